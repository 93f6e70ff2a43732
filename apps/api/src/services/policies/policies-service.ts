import type {
  Action,
  AuditEventRecord,
  Policy,
  PolicyDocument,
  PolicyRecord,
  PolicyVersion,
} from "@tameflare/contracts";
import { stringify } from "yaml";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { emitConfigChanged } from "../../hooks.ts";
import { documentOf, loadGatewayState, validateDocument } from "../gateways/gateway-document.ts";
import { createGatewaysService } from "../gateways/gateways-service.ts";
import type { OrgActor } from "../shared/actor.ts";
import type { Checked } from "../shared/config-errors.ts";
import { compileDraft, type SandboxResult, sandboxDecide } from "./evaluation.ts";
import { type DiffLine, diffLines, formatDiff } from "./policy-diff.ts";
import { checkDocumentSource, checkPolicy, type DocumentSource, type PolicySource } from "./policy-input.ts";
import type { RawRequest } from "./request-snapshot.ts";
import { type SimulationTally, simulateEvents, simulationLimitations } from "./simulation.ts";

/** The YAML an editor shows for a stored policy (the entry as written, without its id). */
export function policyYaml(document: Policy): string {
  const { id: _id, ...entry } = document;
  return stringify(entry, { lineWidth: 0 });
}

export interface SimulationReport extends SimulationTally {
  gatewayId: string;
  from: string;
  to: string;
  /** True when more events were in the window than were simulated (the newest were kept). */
  truncated: boolean;
  limitations: string;
}

/** Most events one simulation re-decides (the newest are kept). */
export const maxSimulatedEvents = 100_000;

export function createPoliciesService(deps: AppDeps) {
  const gateways = createGatewaysService(deps);

  async function requirePolicy(orgId: string, policyId: string): Promise<PolicyRecord> {
    const policy = await deps.repos.policies.findById(orgId, policyId);
    if (policy === null || policy.deletedAt !== null)
      throw new AppError("not_found", `policy \`${policyId}\` not found`);
    return policy;
  }

  /** Connector names a policy may scope to: its gateway's, or any gateway's for an org-wide policy. */
  async function knownConnectors(orgId: string, gatewayId: string | null): Promise<string[]> {
    const ids = gatewayId === null ? (await deps.repos.gateways.list(orgId)).map((g) => g.id) : [gatewayId];
    const lists = await Promise.all(ids.map((id) => deps.repos.connectors.listForGateway(orgId, id)));
    return [...new Set(lists.flat().map((c) => c.name))];
  }

  /**
   * Policy names must be unique in every document a policy joins: among an org-wide
   * policy's organization, or among a gateway's own and the org-wide policies.
   */
  async function nameTaken(
    orgId: string,
    gatewayId: string | null,
    name: string,
    exceptId?: string,
  ): Promise<boolean> {
    const candidates = await deps.repos.policies.list(orgId, gatewayId === null ? {} : { gatewayId });
    return candidates.some((p) => p.name === name && p.id !== exceptId);
  }

  async function checked(
    orgId: string,
    gatewayId: string | null,
    source: PolicySource,
    exceptId?: string,
  ): Promise<Checked<Policy>> {
    const result = checkPolicy(source, await knownConnectors(orgId, gatewayId));
    if (!result.ok) return result;
    if (await nameTaken(orgId, gatewayId, result.value.name, exceptId)) {
      const where = gatewayId === null ? "in this organization" : "to this gateway";
      return {
        ok: false,
        errors: [
          { path: "name", message: `a policy named \`${result.value.name}\` already applies ${where}` },
        ],
      };
    }
    return result;
  }

  async function draftDocument(
    actor: OrgActor,
    input: { gatewayId?: string | undefined; draft?: DocumentSource | undefined },
  ): Promise<Checked<{ document: PolicyDocument; gateway: { id?: string; name?: string } }>> {
    const gateway =
      input.gatewayId === undefined ? undefined : await gateways.requireGateway(actor.orgId, input.gatewayId);
    const identity = gateway === undefined ? {} : { id: gateway.id, name: gateway.name };
    if (input.draft !== undefined) {
      const document = checkDocumentSource(input.draft);
      if (!document.ok) return document;
      const connectors = validateDocument(document.value);
      if (!connectors.ok) return { ok: false, errors: connectors.errors };
      return { ok: true, value: { document: document.value, gateway: identity } };
    }
    if (gateway === undefined)
      throw new AppError(
        "bad_request",
        "send a draft document, or a gatewayId to use its current configuration",
      );
    const current = validateDocument(documentOf(await loadGatewayState(deps.repos, gateway)));
    if (!current.ok) return { ok: false, errors: current.errors };
    return { ok: true, value: { document: current.document, gateway: identity } };
  }

  async function changed(policy: PolicyRecord): Promise<void> {
    await emitConfigChanged(deps, { orgId: policy.orgId, gatewayId: policy.gatewayId, kind: "policy" });
  }

  return {
    /** Creates a policy at version 1 for one gateway or (no gateway) for every gateway of the organization. */
    async create(
      actor: OrgActor,
      input: { gatewayId?: string | null | undefined; source: PolicySource; changeNote?: string | undefined },
    ): Promise<Checked<PolicyRecord>> {
      const gatewayId = input.gatewayId ?? null;
      if (gatewayId !== null) await gateways.requireGateway(actor.orgId, gatewayId, { live: true });
      const policy = await checked(actor.orgId, gatewayId, input.source);
      if (!policy.ok) return policy;
      const { id: _ignored, ...entry } = policy.value;
      const created = await deps.repos.policies.create({
        orgId: actor.orgId,
        gatewayId,
        policy: entry,
        authorUserId: actor.userId,
        changeNote: input.changeNote ?? null,
      });
      if (!created.ok)
        throw new AppError(created.code === "not_found" ? "not_found" : "bad_request", created.message);
      await changed(created.value);
      return { ok: true, value: created.value };
    },

    /** Stores new content as the next immutable version. */
    async update(
      actor: OrgActor,
      input: { policyId: string; source: PolicySource; changeNote?: string | undefined },
    ): Promise<Checked<PolicyRecord>> {
      const current = await requirePolicy(actor.orgId, input.policyId);
      const policy = await checked(actor.orgId, current.gatewayId, input.source, current.id);
      if (!policy.ok) return policy;
      const updated = await deps.repos.policies.update(actor.orgId, current.id, {
        policy: policy.value,
        authorUserId: actor.userId,
        changeNote: input.changeNote ?? null,
      });
      if (!updated.ok)
        throw new AppError(updated.code === "not_found" ? "not_found" : "bad_request", updated.message);
      await changed(updated.value);
      return { ok: true, value: updated.value };
    },

    async list(actor: OrgActor, options: { gatewayId?: string | undefined } = {}): Promise<PolicyRecord[]> {
      if (options.gatewayId !== undefined) await gateways.requireGateway(actor.orgId, options.gatewayId);
      return deps.repos.policies.list(
        actor.orgId,
        options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId },
      );
    },

    async get(actor: OrgActor, policyId: string): Promise<{ policy: PolicyRecord; yaml: string }> {
      const policy = await requirePolicy(actor.orgId, policyId);
      return { policy, yaml: policyYaml(policy.document) };
    },

    async versions(actor: OrgActor, policyId: string): Promise<PolicyVersion[]> {
      await requirePolicy(actor.orgId, policyId);
      return deps.repos.policies.listVersions(actor.orgId, policyId);
    },

    /** A line diff of the YAML of two versions of a policy. */
    async diff(
      actor: OrgActor,
      input: { policyId: string; from: number; to: number },
    ): Promise<{ from: number; to: number; changed: boolean; lines: DiffLine[]; text: string }> {
      await requirePolicy(actor.orgId, input.policyId);
      const [from, to] = await Promise.all([
        deps.repos.policies.getVersion(actor.orgId, input.policyId, input.from),
        deps.repos.policies.getVersion(actor.orgId, input.policyId, input.to),
      ]);
      if (from === null)
        throw new AppError("not_found", `policy \`${input.policyId}\` has no version ${input.from}`);
      if (to === null)
        throw new AppError("not_found", `policy \`${input.policyId}\` has no version ${input.to}`);
      const lines = diffLines(policyYaml(from.document), policyYaml(to.document));
      return {
        from: input.from,
        to: input.to,
        changed: lines.some((l) => l.op !== " "),
        lines,
        text: formatDiff(lines),
      };
    },

    async setEnabled(actor: OrgActor, policyId: string, enabled: boolean): Promise<PolicyRecord> {
      await requirePolicy(actor.orgId, policyId);
      const updated = await deps.repos.policies.setEnabled(actor.orgId, policyId, enabled, actor.userId);
      if (!updated.ok) throw new AppError("not_found", updated.message);
      await changed(updated.value);
      return updated.value;
    },

    /** Changes the priority (higher is considered first), as a new version. */
    async setPriority(actor: OrgActor, policyId: string, priority: number): Promise<PolicyRecord> {
      const current = await requirePolicy(actor.orgId, policyId);
      const updated = await deps.repos.policies.update(actor.orgId, policyId, {
        policy: { ...current.document, priority },
        authorUserId: actor.userId,
        changeNote: `priority ${current.priority} → ${priority}`,
      });
      if (!updated.ok)
        throw new AppError(updated.code === "not_found" ? "not_found" : "bad_request", updated.message);
      await changed(updated.value);
      return updated.value;
    },

    /** Deletes a policy (its versions are kept for the record). */
    async remove(actor: OrgActor, policyId: string): Promise<void> {
      const current = await requirePolicy(actor.orgId, policyId);
      if (!(await deps.repos.policies.remove(actor.orgId, policyId, deps.clock()))) {
        throw new AppError("not_found", `policy \`${policyId}\` not found`);
      }
      await changed(current);
    },

    /**
     * Decides an action, or a raw request (`METHOD URL` + body) turned into actions by the
     * draft's connectors, under a draft document (or the gateway's current configuration).
     */
    async sandbox(
      actor: OrgActor,
      input: {
        gatewayId?: string | undefined;
        draft?: DocumentSource | undefined;
        agent?: string | undefined;
        subject: { action: Action } | { request: RawRequest };
      },
    ): Promise<Checked<SandboxResult>> {
      const draft = await draftDocument(actor, input);
      if (!draft.ok) return draft;
      const compiled = compileDraft(draft.value.document, draft.value.gateway);
      if (!compiled.ok) return compiled;
      const result = sandboxDecide(compiled.value, input.subject, {
        agent: input.agent ?? "sandbox",
        nowMs: deps.clock().getTime(),
      });
      if ("error" in result) return { ok: false, errors: [{ path: "request", message: result.error }] };
      return { ok: true, value: result };
    },

    /**
     * Re-decides the gateway's audited actions of the last `days` days under a draft and
     * reports what would change (per action type old → new, and up to 20 examples).
     */
    async simulate(
      actor: OrgActor,
      input: { gatewayId: string; days: number; draft?: DocumentSource | undefined },
    ): Promise<Checked<SimulationReport>> {
      const draft = await draftDocument(actor, input);
      if (!draft.ok) return draft;
      const compiled = compileDraft(draft.value.document, draft.value.gateway);
      if (!compiled.ok) return compiled;
      const to = deps.clock();
      const from = new Date(to.getTime() - input.days * 24 * 3600 * 1000);
      const events: AuditEventRecord[] = [];
      let cursor: string | undefined;
      let truncated = false;
      for (;;) {
        const page = await deps.repos.audit.query({
          orgId: actor.orgId,
          gatewayId: input.gatewayId,
          from: from.toISOString(),
          to: to.toISOString(),
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (!page.ok) throw new AppError("internal", page.message);
        events.push(...page.value.events);
        if (page.value.nextCursor === null) break;
        if (events.length >= maxSimulatedEvents) {
          truncated = true;
          break;
        }
        cursor = page.value.nextCursor;
      }
      // Pages come newest first; replay oldest first so rate limits see time move forward.
      const chronological = events.slice(0, maxSimulatedEvents).reverse();
      const tally = simulateEvents(compiled.value, chronological);
      return {
        ok: true,
        value: {
          gatewayId: input.gatewayId,
          from: from.toISOString(),
          to: to.toISOString(),
          truncated,
          limitations: simulationLimitations,
          ...tally,
        },
      };
    },
  };
}

export type PoliciesService = ReturnType<typeof createPoliciesService>;
