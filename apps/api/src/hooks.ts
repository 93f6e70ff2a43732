import type { KillSwitchRecord } from "@tameflare/contracts";
import type { Logger } from "./deps.ts";

export const configChangeKinds = [
  "gateway",
  "connector",
  "access_rules",
  "rate_limits",
  "secret",
  "policy",
  "kill_switch",
  "import",
] as const;
export type ConfigChangeKind = (typeof configChangeKinds)[number];

/** Something a gateway's bundle carries changed (policy, rule, connector, secret, kill switch…). */
export interface ConfigChange {
  orgId: string;
  /** Null: every gateway of the organization (org-wide policy or rate limit, global kill switch). */
  gatewayId: string | null;
  kind: ConfigChangeKind;
}

/** A kill switch was activated (not re-activated: an identical active one makes no event). */
export interface KillSwitchActivated {
  killSwitch: KillSwitchRecord;
  actorUserId: string;
}

/**
 * Listeners other parts of the API register at start (the bundle publisher on config
 * changes; the approvals service denying pending approvals on a kill switch). They run
 * after the change is committed, in order; a listener that fails is logged and does not
 * undo the change (the caller learns how many failed).
 */
export interface AppHooks {
  onConfigChanged: Array<(change: ConfigChange) => Promise<void>>;
  onKillSwitchActivated: Array<(event: KillSwitchActivated) => Promise<void>>;
}

export function createAppHooks(): AppHooks {
  return { onConfigChanged: [], onKillSwitchActivated: [] };
}

/** Runs every listener of one hook; returns how many failed (each failure is logged). */
export async function emitHook<E>(
  log: Logger,
  name: string,
  listeners: ReadonlyArray<(event: E) => Promise<void>> | undefined,
  event: E,
): Promise<number> {
  let failed = 0;
  for (const listener of listeners ?? []) {
    try {
      await listener(event);
    } catch (cause) {
      failed += 1;
      log.error(`hook \`${name}\` listener failed`, cause);
    }
  }
  return failed;
}

/** Tells the config-change listeners (the bundle publisher) that a gateway's document changed. */
export async function emitConfigChanged(
  deps: { log: Logger; hooks?: AppHooks | undefined },
  change: ConfigChange,
): Promise<void> {
  await emitHook(deps.log, "onConfigChanged", deps.hooks?.onConfigChanged, change);
}
