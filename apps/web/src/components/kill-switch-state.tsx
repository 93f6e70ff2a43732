"use client";

import Link from "next/link";
import { api, type Outputs } from "../lib/api.ts";
import { killSwitchKey } from "../lib/keys.ts";
import { useApi } from "../lib/use-api.ts";
import { useSession } from "./session.tsx";
import { DateTime } from "./ui.tsx";

export type KillSwitch = Outputs["killSwitch"]["list"][number];

/** Active kill switches of the organization, refreshed every 3 s (a change elsewhere shows quickly). */
export function useActiveKillSwitches() {
  const { orgId } = useSession();
  return useApi(killSwitchKey(orgId), () => api.killSwitch.list.query({ orgId }), { intervalMs: 3000 });
}

/** One line naming what a kill switch stops. */
export function describeKillSwitch(ks: KillSwitch, gatewayName: (id: string) => string): string {
  if (ks.scope === "global") return "Global: every request of every gateway is blocked";
  if (ks.scope === "gateway") return `Gateway ${gatewayName(ks.target ?? "")}: every request is blocked`;
  const where = ks.gatewayId === null ? "on every gateway" : `on ${gatewayName(ks.gatewayId)}`;
  return `Connector ${ks.target ?? "?"}: blocked ${where}`;
}

/** The header's pill: calm when nothing is stopped, red and pulsing when a kill switch is on. */
export function KillSwitchPill() {
  const active = useActiveKillSwitches();
  const list = active.data ?? [];
  if (active.data === undefined) {
    return (
      <span className="ks-pill" data-testid="kill-switch-state" data-state="unknown">
        <span className="dot" style={{ background: "var(--faint)" }} />
        {active.failure === null ? "Kill switch: checking…" : "Kill switch: unknown"}
      </span>
    );
  }
  if (list.length === 0) {
    return (
      <span
        className="ks-pill"
        data-testid="kill-switch-state"
        data-state="off"
        title="No kill switch is active"
      >
        <span className="dot" />
        Kill switch off
      </span>
    );
  }
  return (
    <Link
      href="/settings#kill-switch"
      className="ks-pill active"
      data-testid="kill-switch-state"
      data-state="active"
      title="Traffic is being blocked: see Settings"
    >
      <span className="dot" />
      Kill switch ACTIVE{list.length > 1 ? ` (${list.length})` : ""}
    </Link>
  );
}

/** A banner under the header on every page while a kill switch is active: what, why, since when. */
export function KillSwitchBanner() {
  const active = useActiveKillSwitches();
  const { orgId } = useSession();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const list = active.data ?? [];
  if (list.length === 0) return null;
  const nameOf = (id: string) => gateways.data?.find((g) => g.id === id)?.name ?? id;
  return (
    <div className="ks-banner" role="alert" data-testid="kill-switch-banner">
      {list.map((ks) => (
        <span key={ks.id}>
          <strong>Kill switch active.</strong> {describeKillSwitch(ks, nameOf)}
          {ks.reason === null ? "" : ` — “${ks.reason}”`} · since <DateTime iso={ks.activatedAt} />
        </span>
      ))}
      <Link href="/settings#kill-switch">Manage</Link>
    </div>
  );
}
