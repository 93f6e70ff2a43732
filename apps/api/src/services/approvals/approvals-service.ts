import {
  type Action,
  type Approval,
  type Gateway,
  type KillSwitchRecord,
  type KillSwitchScope,
  queueNames,
  type Role,
} from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { KillSwitchActivated } from "../../hooks.ts";
import { roleRank } from "../../trpc/init.ts";
import type { OrgActor } from "../shared/actor.ts";

/** Who may decide when a rule names no `approver_roles` (DESIGN: Owners, Admins, Members). */
export const defaultApproverRoles: Role[] = ["owner", "admin", "member"];
/** Longest a gateway may hold a request for a human. */
export const maxApprovalTimeoutSeconds = 7 * 24 * 3600;
export const defaultApprovalTimeoutSeconds = 600;
/** Longest one `approvals.wait` call holds the connection before answering `pending`. */
export const maxWaitMs = 25_000;
/** How often a waiting long-poll re-reads the database even without a notification. */
const waitPollMs = 1000;

// Names that hold a credential (`password`, `client_secret`, `access_token`, `x-api-key`), not
// names that merely mention one (`max_tokens`, `token_count`).
const secretKeyPattern =
  /(^|[_-])(pass(word)?|passwd|secret|token|api[_-]?key|apikey|authorization|cookie|private[_-]?key|credentials?)$/i;

/**
 * Drops anything that looks like a credential from an action's parameters (recursively) so an
 * approval never stores one. Connectors never put headers in parameters; this is a second line.
 */
export function redactAction(action: Action): Action {
  const scrub = (value: unknown, depth: number): unknown => {
    if (depth > 8) return "[truncated]";
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          secretKeyPattern.test(k) ? "[redacted]" : scrub(v, depth + 1),
        ]),
      );
    }
    return value;
  };
  return { ...action, parameters: scrub(action.parameters, 0) as Record<string, unknown> };
}

/**
 * True when `role` may decide an approval that names `approverRoles`. Roles are ranked
 * (viewer < member < admin < owner): naming a role admits it and every role above it, and
 * viewers never decide (the role matrix), whatever a rule says.
 */
export function canDecide(role: Role, approverRoles: readonly Role[]): boolean {
  if (roleRank[role] < roleRank.member) return false;
  const listed = approverRoles.length > 0 ? approverRoles : defaultApproverRoles;
  const lowest = Math.min(...listed.map((r) => roleRank[r]));
  return roleRank[role] >= Math.max(lowest, roleRank.member);
}

/** True when an active kill switch covers an approval's gateway and connector. */
export function killSwitchCovers(
  ks: KillSwitchRecord,
  approval: { gatewayId: string; connector: string | null },
): boolean {
  if (ks.deactivatedAt !== null) return false;
  if (ks.scope === "global") return true;
  if (ks.scope === "gateway") return ks.target === approval.gatewayId;
  return ks.target === approval.connector && (ks.gatewayId === null || ks.gatewayId === approval.gatewayId);
}

export interface CreateApprovalInput {
  requestId: string;
  agent: string;
  action: Action;
  rule?: string | null | undefined;
  reason?: string | null | undefined;
  riskScore?: number | null | undefined;
  timeoutSeconds?: number | undefined;
  approverRoles?: Role[] | undefined;
}

export type DecisionChannel = "dashboard" | "cli" | "slack_link" | "slack_interactive" | "api";

export interface DecideOutcome {
  /** `decided`: this call settled it; otherwise the approval as it already was. */
  outcome: "decided" | "already_decided" | "expired";
  approval: Approval;
}

/**
 * Approvals: a gateway holds a request and creates one; people decide in the dashboard, the
 * CLI or Slack; the expiry job (and a periodic sweep, for jobs a Redis restart lost) expires
 * what nobody decided; a kill switch denies what it covers. Every settlement wakes the
 * gateway's long-poll through `deps.approvalNotifier`.
 */
export function createApprovalsService(deps: AppDeps) {
  async function settled(approval: Approval, via: string): Promise<void> {
    deps.metrics?.approvalsSettled.inc(`${approval.status}|${via}`);
    await deps.approvalNotifier?.publish(approval.id);
  }

  async function enqueueFollowUps(approval: Approval): Promise<void> {
    const delayMs = Math.max(0, Date.parse(approval.expiresAt) - deps.clock().getTime());
    try {
      await deps.queue.add(
        queueNames.approvalExpiry,
        { approval_id: approval.id },
        { delayMs, jobId: `approval-expiry:${approval.id}` },
      );
      await deps.queue.add(
        queueNames.slackNotify,
        { org_id: approval.orgId, approval_id: approval.id },
        { jobId: `slack-notify:${approval.id}` },
      );
    } catch (cause) {
      // The approval exists; the gateway retries the create (idempotent) and the jobs are
      // enqueued again. Expiry does not depend on it either: the sweep expires it.
      const message = `approval \`${approval.id}\`: the job queue is unavailable, retry later`;
      throw new AppError("unavailable", message, { cause, retryable: true, userMessage: message });
    }
  }

  const service = {
    /** A gateway holds a request. Idempotent per (gateway, request id). */
    async create(
      gateway: Gateway,
      input: CreateApprovalInput,
    ): Promise<{ approval: Approval; created: boolean }> {
      const now = deps.clock();
      const timeoutSeconds = Math.min(
        maxApprovalTimeoutSeconds,
        input.timeoutSeconds ?? gateway.settings.approvals?.timeout_seconds ?? defaultApprovalTimeoutSeconds,
      );
      const { approval, created } = await deps.repos.approvals.create({
        orgId: gateway.orgId,
        gatewayId: gateway.id,
        agent: input.agent,
        requestId: input.requestId,
        action: redactAction(input.action),
        rule: input.rule ?? null,
        reason: input.reason ?? null,
        riskScore: input.riskScore ?? null,
        approverRoles:
          input.approverRoles && input.approverRoles.length > 0 ? input.approverRoles : defaultApproverRoles,
        expiresAt: new Date(now.getTime() + timeoutSeconds * 1000),
      });
      if (created) {
        deps.metrics?.approvalsCreated.inc("");
        deps.log.info(
          `approval \`${approval.id}\` created by gateway \`${gateway.id}\` for \`${approval.actionType}\``,
        );
        // A kill switch activated while this gateway still ran an older bundle: deny at once.
        const switches = await deps.repos.killSwitches.listActive(gateway.orgId, { gatewayId: gateway.id });
        const covering = switches.find((ks) => killSwitchCovers(ks, approval));
        if (covering !== undefined) {
          const denied = await service.denyPendingForKillSwitch(
            gateway.orgId,
            covering.scope,
            covering.target,
            { gatewayId: covering.gatewayId, decidedBy: covering.activatedBy ?? "system:kill_switch" },
          );
          const mine = denied.find((a) => a.id === approval.id);
          if (mine !== undefined) return { approval: mine, created };
        }
      }
      if (approval.status === "pending") await enqueueFollowUps(approval);
      return { approval, created };
    },

    /**
     * Long-poll: answers as soon as the approval is settled, or after `timeoutMs` (at most 25 s)
     * with it still pending. An approval past its time is expired here rather than waiting for
     * the expiry job. Only the gateway that created it may wait on it.
     */
    async wait(
      gateway: Gateway,
      approvalId: string,
      options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
    ): Promise<Approval> {
      const load = async (): Promise<Approval> => {
        const found = await deps.repos.approvals.findById(gateway.orgId, approvalId);
        if (found === null || found.gatewayId !== gateway.id) {
          throw new AppError("not_found", `approval \`${approvalId}\` not found`);
        }
        return found;
      };
      let approval = await load();
      const signals = [options.signal, deps.shutdownSignal].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
      const deadline = Date.now() + Math.min(maxWaitMs, Math.max(0, options.timeoutMs ?? maxWaitMs));
      let woken = false;
      let wake: (() => void) | undefined;
      const unsubscribe = deps.approvalNotifier?.subscribe(approvalId, () => {
        woken = true;
        wake?.();
      });
      try {
        for (;;) {
          if (approval.status === "pending" && Date.parse(approval.expiresAt) <= deps.clock().getTime()) {
            const result = await deps.repos.approvals.expire(approval.id, deps.clock());
            if (result.approval !== null) approval = result.approval;
            if (result.outcome === "decided") await settled(approval, "expiry");
          }
          if (approval.status !== "pending") return approval;
          const remaining = deadline - Date.now();
          if (remaining <= 0 || signal?.aborted) return approval;
          const untilExpiry = Date.parse(approval.expiresAt) - deps.clock().getTime();
          const pause = Math.max(1, Math.min(remaining, waitPollMs, untilExpiry + 5));
          if (!woken) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, pause);
              function done() {
                clearTimeout(timer);
                wake = undefined;
                signal?.removeEventListener("abort", done);
                resolve();
              }
              wake = done;
              signal?.addEventListener("abort", done, { once: true });
            });
          }
          woken = false;
          approval = await load();
        }
      } finally {
        unsubscribe?.();
      }
    },

    async list(
      actor: OrgActor,
      options: {
        status?: "pending" | "all" | undefined;
        gatewayId?: string | undefined;
        limit?: number | undefined;
      },
    ): Promise<Approval[]> {
      if (
        options.gatewayId !== undefined &&
        (await deps.repos.gateways.findById(actor.orgId, options.gatewayId)) === null
      ) {
        throw new AppError("not_found", `gateway \`${options.gatewayId}\` not found`);
      }
      const filter = {
        ...(options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId }),
        limit: options.limit ?? 100,
      };
      return options.status === "all"
        ? deps.repos.approvals.listRecent(actor.orgId, filter)
        : deps.repos.approvals.listPending(actor.orgId, filter);
    },

    async get(actor: OrgActor, approvalId: string): Promise<Approval> {
      const approval = await deps.repos.approvals.findById(actor.orgId, approvalId);
      if (approval === null) throw new AppError("not_found", `approval \`${approvalId}\` not found`);
      return approval;
    },

    /**
     * Approves or denies once. The caller's role must admit the approval's `approver_roles`
     * (see `canDecide`). Deciding again returns the state as it is (idempotent).
     */
    async decide(
      actor: OrgActor,
      input: { approvalId: string; decision: "approve" | "deny"; note?: string | null | undefined },
      via: DecisionChannel = "dashboard",
    ): Promise<DecideOutcome> {
      const approval = await service.get(actor, input.approvalId);
      if (!canDecide(actor.role, approval.approverRoles)) {
        throw new AppError(
          "forbidden",
          `approval \`${approval.id}\` may be decided by ${approval.approverRoles.join(", ")}; you are ${actor.role}`,
        );
      }
      return service.settle({
        orgId: actor.orgId,
        approvalId: approval.id,
        decision: input.decision,
        decidedBy: actor.userId,
        via,
        note: input.note ?? null,
      });
    },

    /**
     * Records a decision whose authority the caller checked (signed Slack link, Slack signature).
     * Inside a transaction pass its `repos` and call `announce` once it committed.
     */
    async settle(
      input: {
        orgId: string;
        approvalId: string;
        decision: "approve" | "deny";
        decidedBy: string;
        via: DecisionChannel;
        note?: string | null;
      },
      transaction?: { repos: AppDeps["repos"] },
    ): Promise<DecideOutcome> {
      const repos = transaction?.repos ?? deps.repos;
      const result = await repos.approvals.decide({
        orgId: input.orgId,
        approvalId: input.approvalId,
        decision: input.decision === "approve" ? "approved" : "denied",
        decidedBy: input.decidedBy,
        decidedVia: input.via,
        note: input.note ?? null,
        now: deps.clock(),
      });
      if (result.approval === null || result.outcome === "not_found") {
        throw new AppError("not_found", `approval \`${input.approvalId}\` not found`);
      }
      const outcome: DecideOutcome = { outcome: result.outcome, approval: result.approval };
      if (transaction === undefined) await service.announce(outcome, input.via);
      return outcome;
    },

    /** Logs, counts and wakes waiters for a settlement (after its transaction committed). */
    async announce(outcome: DecideOutcome, via: DecisionChannel): Promise<void> {
      const { approval } = outcome;
      if (outcome.outcome === "decided") {
        deps.log.info(
          `approval \`${approval.id}\` ${approval.status} by \`${approval.decidedBy ?? "?"}\` via ${via}`,
        );
        await settled(approval, via);
      } else if (outcome.outcome === "expired") {
        await deps.approvalNotifier?.publish(approval.id);
      }
    },

    /** The expiry job: expires the approval if it is still pending and due; says when to look again if not due. */
    async expire(approvalId: string): Promise<{ expired: boolean; retryInMs: number | null }> {
      const now = deps.clock();
      const result = await deps.repos.approvals.expire(approvalId, now);
      if (result.outcome === "decided" && result.approval !== null) {
        deps.log.info(`approval \`${approvalId}\` expired`);
        await settled(result.approval, "expiry");
        return { expired: true, retryInMs: null };
      }
      if (result.approval?.status === "pending") {
        return {
          expired: false,
          retryInMs: Math.max(1, Date.parse(result.approval.expiresAt) - now.getTime()),
        };
      }
      return { expired: false, retryInMs: null };
    },

    /** Expires every pending approval past its time (the safety net for lost delayed jobs). */
    async sweepExpired(): Promise<number> {
      const expired = await deps.repos.approvals.expireDue(deps.clock());
      for (const approval of expired) await settled(approval, "expiry");
      if (expired.length > 0) deps.log.info(`expired ${expired.length} approval(s) past their time`);
      return expired.length;
    },

    /**
     * Denies the pending approvals a newly activated kill switch covers and wakes their
     * gateways. The kill-switch service reaches this through the `onKillSwitchActivated`
     * hook (see `registerApprovalHooks`).
     */
    async denyPendingForKillSwitch(
      orgId: string,
      scope: KillSwitchScope,
      target: string | null,
      options: { gatewayId?: string | null; decidedBy: string; note?: string | null },
    ): Promise<Approval[]> {
      const denied = await deps.repos.approvals.denyForKillSwitch({
        orgId,
        scope,
        target,
        gatewayId: options.gatewayId ?? null,
        decidedBy: options.decidedBy,
        note: options.note ?? `kill switch (${scope}${target === null ? "" : ` \`${target}\``}) activated`,
        now: deps.clock(),
      });
      for (const approval of denied) await settled(approval, "kill_switch");
      if (denied.length > 0)
        deps.log.info(`kill switch denied ${denied.length} pending approval(s) in \`${orgId}\``);
      return denied;
    },
  };
  return service;
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;

/**
 * Wires approvals to the kill switch: activating one denies the pending approvals it covers.
 * Called once per process at start (createApp) and by tests that build their own deps.
 */
export function registerApprovalHooks(deps: AppDeps): void {
  if (deps.hooks === undefined) return;
  deps.hooks.onKillSwitchActivated.push(async ({ killSwitch, actorUserId }: KillSwitchActivated) => {
    await createApprovalsService(deps).denyPendingForKillSwitch(
      killSwitch.orgId,
      killSwitch.scope,
      killSwitch.target,
      {
        gatewayId: killSwitch.gatewayId,
        decidedBy: actorUserId,
        note: killSwitch.reason === null ? null : `kill switch: ${killSwitch.reason}`,
      },
    );
  });
}
