import type { DecisionReason, KillSwitch } from "@tameflare/contracts";
import type { LocatedError } from "./errors.ts";
import { code } from "./format.ts";
import type { GatewayIdentity } from "./policies.ts";

/** Checks the document's kill switches; problems go to `errors`. */
export function checkKillSwitches(
  switches: readonly KillSwitch[],
  connectorNames: ReadonlySet<string>,
  errors: LocatedError[],
): void {
  switches.forEach((ks, i) => {
    const label = `kill switch ${code(ks.id ?? ks.scope)}`;
    if (ks.scope !== "global" && (ks.target === undefined || ks.target === "")) {
      errors.push({
        segments: ["kill_switches", i, "target"],
        message: `${label}: a kill switch with scope ${code(ks.scope)} needs a \`target\``,
      });
    }
    if (ks.scope === "connector" && ks.target !== undefined && !connectorNames.has(ks.target)) {
      errors.push({
        segments: ["kill_switches", i, "target"],
        message: `${label}: unknown connector ${code(ks.target)}`,
      });
    }
  });
}

const scopeRank: Record<string, number> = { global: 0, gateway: 1, connector: 2 };

/**
 * Does a kill switch stop this request? Global ones always do; connector ones when the
 * target is the action's connector; gateway ones when the target is this gateway's id or
 * name. Fails closed: a switch that is malformed (not an object, unknown scope, missing
 * target) stops everything, because a kill switch that silently does nothing is worse
 * than one that stops too much.
 */
export function killSwitchApplies(
  ks: unknown,
  connector: string | undefined,
  gateway: GatewayIdentity,
): boolean {
  if (typeof ks !== "object" || ks === null) return true;
  const { scope, target } = ks as { scope?: unknown; target?: unknown };
  if (scope === "global") return true;
  if (typeof target !== "string" || target === "") return true;
  if (scope === "connector") return connector !== undefined && target === connector;
  if (scope === "gateway") return target === gateway.id || gateway.names.includes(target);
  return true;
}

/**
 * The first kill switch that applies, most general first (global, gateway, connector);
 * the document's switches before the runtime ones at the same level.
 */
export function findKillSwitch(
  document: readonly KillSwitch[],
  extra: readonly unknown[] | undefined,
  connector: string | undefined,
  gateway: GatewayIdentity,
): KillSwitch | undefined {
  // The common case, no switch at all, allocates nothing.
  if (document.length === 0 && (!Array.isArray(extra) || extra.length === 0)) return undefined;
  let best: { ks: KillSwitch; rank: number } | undefined;
  const consider = (ks: unknown): void => {
    if (!killSwitchApplies(ks, connector, gateway)) return;
    // A malformed switch stops everything (see killSwitchApplies), so it is reported as global.
    const wellFormed = isWellFormed(ks);
    const rank = wellFormed ? (scopeRank[ks.scope] as number) : 0;
    const normalized = wellFormed ? ks : asGlobal(ks);
    if (best === undefined || rank < best.rank) best = { ks: normalized, rank };
  };
  for (const ks of document) consider(ks);
  if (Array.isArray(extra)) for (const ks of extra) consider(ks);
  return best?.ks;
}

function isWellFormed(ks: unknown): ks is KillSwitch {
  if (typeof ks !== "object" || ks === null) return false;
  const { scope, target } = ks as { scope?: unknown; target?: unknown };
  if (scope === "global") return true;
  return (scope === "connector" || scope === "gateway") && typeof target === "string" && target !== "";
}

function asGlobal(ks: unknown): KillSwitch {
  const { id, reason } = (typeof ks === "object" && ks !== null ? ks : {}) as {
    id?: unknown;
    reason?: unknown;
  };
  return {
    scope: "global",
    ...(typeof id === "string" ? { id } : {}),
    ...(typeof reason === "string" ? { reason } : {}),
  };
}

/** A stable id for a kill switch without one: `kill-switch:<scope>[:<target>]`. */
export function killSwitchId(ks: KillSwitch): string {
  return ks.id ?? `kill-switch:${ks.scope}${ks.target === undefined ? "" : `:${ks.target}`}`;
}

export function killSwitchReason(ks: KillSwitch): DecisionReason {
  const where =
    ks.scope === "global"
      ? "every action"
      : ks.scope === "connector"
        ? `connector ${code(ks.target)}`
        : `gateway ${code(ks.target)}`;
  const why = typeof ks.reason === "string" && ks.reason !== "" ? `: ${ks.reason}` : "";
  return {
    source: "kill_switch",
    id: killSwitchId(ks),
    decision: "deny",
    explanation: `denied: kill switch ${code(killSwitchId(ks))} is active for ${where}${why}`,
  };
}
