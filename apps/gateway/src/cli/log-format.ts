import type { AuditEvent } from "@tameflare/contracts";
import { renderTable } from "./table.ts";

export const logColumns = ["TIME", "AGENT", "DECISION", "STATUS", "ACTION", "REQUEST", "REASON"] as const;

/** One table row of an audit event (local time, no secrets: events never carry any). */
export function logRow(event: AuditEvent): string[] {
  const when = new Date(event.ts);
  const time = Number.isNaN(when.getTime())
    ? event.ts
    : `${when.toLocaleDateString("sv")} ${when.toLocaleTimeString("en-GB", { hour12: false })}`;
  const decision =
    event.enforced !== null && event.enforced !== event.decision && event.decision !== "bypass"
      ? `${event.decision} (enforced ${event.enforced})`
      : event.decision;
  const path = event.path.length > 60 ? `${event.path.slice(0, 59)}…` : event.path;
  return [
    time,
    event.agent,
    decision,
    event.status === null ? "-" : String(event.status),
    event.action_type ?? "-",
    `${event.method} ${event.host}${path}`,
    event.reason ?? event.error_code ?? "",
  ];
}

/** The whole table for a finished read. */
export function logTable(events: readonly AuditEvent[]): string {
  return renderTable(logColumns, events.map(logRow));
}

/** One line for `--follow` (columns cannot be aligned ahead of time): tab-separated fields. */
export function logLine(event: AuditEvent): string {
  return logRow(event)
    .filter((cell) => cell !== "")
    .join("  ");
}
