import type { KillSwitchRecord, KillSwitchScope } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { emitConfigChanged, emitHook, type KillSwitchActivated } from "../../hooks.ts";
import type { OrgActor } from "../shared/actor.ts";

export interface KillSwitchActivation {
  killSwitch: KillSwitchRecord;
  /** False when an identical kill switch was already active (it is returned unchanged). */
  created: boolean;
  /** Listeners of `onKillSwitchActivated` that failed (logged); the switch is active regardless. */
  listenersFailed: number;
}

/** Which gateway a kill switch affects: one, or (null) every gateway of the organization. */
function affectedGateway(ks: KillSwitchRecord): string | null {
  if (ks.scope === "gateway") return ks.target;
  return ks.gatewayId;
}

/**
 * Kill switch records. Each activation and deactivation is kept with who, when and why
 * (the record is the audit trail, listed by `list`). Propagation to gateways is the
 * bundle publisher's (`onConfigChanged`); denying matching pending approvals is the
 * approvals service's (`onKillSwitchActivated`), both registered in `deps.hooks`.
 */
export function createKillSwitchService(deps: AppDeps) {
  return {
    async activate(
      actor: OrgActor,
      input: {
        scope: KillSwitchScope;
        target?: string | undefined;
        gatewayId?: string | undefined;
        reason: string;
      },
    ): Promise<KillSwitchActivation> {
      const target = input.target ?? null;
      if (input.scope === "global" && (target !== null || input.gatewayId !== undefined)) {
        throw new AppError("bad_request", "a global kill switch takes no target or gateway");
      }
      if (input.scope === "gateway") {
        if (input.gatewayId !== undefined && input.gatewayId !== target) {
          throw new AppError("bad_request", "a gateway kill switch names its gateway in `target`");
        }
        if (target === null || (await deps.repos.gateways.findById(actor.orgId, target)) === null) {
          throw new AppError("not_found", `gateway \`${target ?? ""}\` not found`);
        }
      }
      if (input.scope === "connector") {
        if (target === null)
          throw new AppError("bad_request", "a connector kill switch needs the connector's name as `target`");
        const gatewayIds =
          input.gatewayId === undefined
            ? (await deps.repos.gateways.list(actor.orgId)).map((g) => g.id)
            : [input.gatewayId];
        if (
          input.gatewayId !== undefined &&
          (await deps.repos.gateways.findById(actor.orgId, input.gatewayId)) === null
        ) {
          throw new AppError("not_found", `gateway \`${input.gatewayId}\` not found`);
        }
        const lists = await Promise.all(
          gatewayIds.map((id) => deps.repos.connectors.listForGateway(actor.orgId, id)),
        );
        if (!lists.flat().some((c) => c.name === target)) {
          throw new AppError(
            "bad_request",
            `no connector named \`${target}\` is configured${input.gatewayId === undefined ? "" : " on this gateway"}`,
          );
        }
      }
      const now = deps.clock();
      const activated = await deps.repos.killSwitches.activate({
        orgId: actor.orgId,
        scope: input.scope,
        target,
        gatewayId: input.scope === "connector" ? (input.gatewayId ?? null) : null,
        reason: input.reason,
        activatedBy: actor.userId,
        at: now,
      });
      if (!activated.ok)
        throw new AppError(activated.code === "not_found" ? "not_found" : "bad_request", activated.message);
      const { killSwitch, created } = activated.value;
      let listenersFailed = 0;
      if (created) {
        deps.log.info(
          `kill switch \`${killSwitch.id}\` (${killSwitch.scope}${killSwitch.target === null ? "" : ` \`${killSwitch.target}\``}) activated in \`${actor.orgId}\` by \`${actor.userId}\``,
        );
        await emitConfigChanged(deps, {
          orgId: actor.orgId,
          gatewayId: affectedGateway(killSwitch),
          kind: "kill_switch",
        });
        listenersFailed = await emitHook<KillSwitchActivated>(
          deps.log,
          "onKillSwitchActivated",
          deps.hooks?.onKillSwitchActivated,
          {
            killSwitch,
            actorUserId: actor.userId,
          },
        );
      }
      return { killSwitch, created, listenersFailed };
    },

    async deactivate(actor: OrgActor, killSwitchId: string): Promise<KillSwitchRecord> {
      const killSwitch = await deps.repos.killSwitches.deactivate(actor.orgId, killSwitchId, {
        by: actor.userId,
        at: deps.clock(),
      });
      if (killSwitch === null)
        throw new AppError("not_found", `kill switch \`${killSwitchId}\` not found or not active`);
      deps.log.info(
        `kill switch \`${killSwitch.id}\` deactivated in \`${actor.orgId}\` by \`${actor.userId}\``,
      );
      await emitConfigChanged(deps, {
        orgId: actor.orgId,
        gatewayId: affectedGateway(killSwitch),
        kind: "kill_switch",
      });
      return killSwitch;
    },

    /** Active kill switches, or with `history` the most recent ones active or not (newest first). */
    async list(
      actor: OrgActor,
      options: { history?: boolean | undefined; gatewayId?: string | undefined } = {},
    ) {
      if (
        options.gatewayId !== undefined &&
        (await deps.repos.gateways.findById(actor.orgId, options.gatewayId)) === null
      ) {
        throw new AppError("not_found", `gateway \`${options.gatewayId}\` not found`);
      }
      if (options.history === true) return deps.repos.killSwitches.history(actor.orgId, { limit: 200 });
      return deps.repos.killSwitches.listActive(
        actor.orgId,
        options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId },
      );
    },
  };
}
