import type { KillSwitch } from "@tameflare/contracts";
import type { CompiledPolicy } from "./compile.ts";
import { findKillSwitch } from "./kill-switch.ts";

/**
 * The kill switch that stops a request right now, if any: for the gateway's step 2,
 * before a connector is known (pass `connector` once it is). Considers the document's
 * switches and `extra` (runtime ones); global beats gateway beats connector. A malformed
 * switch counts as global (fail closed). Never throws.
 */
export function activeKillSwitch(
  compiled: CompiledPolicy,
  request: { connector?: string },
  extra?: readonly KillSwitch[],
): KillSwitch | undefined {
  try {
    return findKillSwitch(compiled.killSwitches, extra, request?.connector, compiled.identity);
  } catch (cause) {
    // Fail closed: if the switches cannot be read, behave as if a global one were on.
    return { scope: "global", reason: `kill switches could not be read: ${String(cause)}` };
  }
}
