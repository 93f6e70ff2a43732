import type { Outputs } from "../lib/api.ts";

export type GatewayRow = Outputs["gateways"]["list"][number];

/** How long after its last call a gateway still counts as online (it long-polls every ≤ 25 s). */
export const onlineWindowMs = 90_000;

/** A gateway's state in one word and a tone for its badge. */
export function gatewayStatus(
  g: Pick<GatewayRow, "revokedAt" | "lastSeenAt">,
  nowMs: number,
): { label: string; tone: "online" | "revoked" | "warn" | "" } {
  if (g.revokedAt !== null) return { label: "revoked", tone: "revoked" };
  if (g.lastSeenAt === null) return { label: "not connected yet", tone: "warn" };
  if (nowMs - Date.parse(g.lastSeenAt) <= onlineWindowMs) return { label: "online", tone: "online" };
  return { label: "offline", tone: "" };
}
