import { listAuditInput } from "@tameflare/api";
import { auditOutcomes } from "@tameflare/contracts";

/** Rows per page of the audit log. */
export const auditPageSize = 50;

export const auditRanges = [
  { id: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { id: "all", label: "All time", ms: null },
  { id: "custom", label: "Custom range", ms: null },
] as const;

export type AuditRange = (typeof auditRanges)[number]["id"];
export type AuditOutcome = (typeof auditOutcomes)[number];

/** The audit view as its URL carries it, so a view can be shared as a link. */
export interface AuditView {
  gateway: string;
  range: AuditRange;
  /** `datetime-local` values (the viewer's time zone) for a custom range. */
  from: string;
  to: string;
  agent: string;
  connector: string;
  action: string;
  decision: AuditOutcome[];
  status: string;
  cursor: string;
  unreviewed: boolean;
  event: string;
}

export function readAuditView(params: URLSearchParams): AuditView {
  const range = params.get("range");
  return {
    gateway: params.get("gateway") ?? "",
    range: auditRanges.some((r) => r.id === range) ? (range as AuditRange) : "all",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    agent: params.get("agent") ?? "",
    connector: params.get("connector") ?? "",
    action: params.get("action") ?? "",
    decision: (params.get("decision") ?? "")
      .split(",")
      .filter((d): d is AuditOutcome => (auditOutcomes as readonly string[]).includes(d)),
    status: params.get("status") ?? "",
    cursor: params.get("cursor") ?? "",
    unreviewed: params.get("unreviewed") === "1",
    event: params.get("event") ?? "",
  };
}

export function auditViewQuery(view: AuditView): string {
  const out = new URLSearchParams();
  if (view.gateway !== "") out.set("gateway", view.gateway);
  if (view.range !== "all") out.set("range", view.range);
  if (view.range === "custom") {
    if (view.from !== "") out.set("from", view.from);
    if (view.to !== "") out.set("to", view.to);
  }
  if (view.agent !== "") out.set("agent", view.agent);
  if (view.connector !== "") out.set("connector", view.connector);
  if (view.action !== "") out.set("action", view.action);
  if (view.decision.length > 0) out.set("decision", view.decision.join(","));
  if (view.status !== "") out.set("status", view.status);
  if (view.cursor !== "") out.set("cursor", view.cursor);
  if (view.unreviewed) out.set("unreviewed", "1");
  if (view.event !== "") out.set("event", view.event);
  const text = out.toString();
  return text === "" ? "" : `?${text}`;
}

function localToIso(value: string): string | undefined {
  if (value === "") return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export type AuditFilters = ReturnType<typeof listAuditInput.parse>;

/**
 * The filters of `audit.list` for a view, checked with the API's own input schema
 * (`listAuditInput`); relative ranges are resolved against `nowMs`.
 */
export function auditFilters(
  view: AuditView,
  nowMs: number,
  limit: number,
): { ok: true; filters: AuditFilters } | { ok: false; message: string } {
  const range = auditRanges.find((r) => r.id === view.range);
  const raw: Record<string, unknown> = { limit };
  if (view.gateway !== "") raw.gatewayId = view.gateway;
  if (range?.ms != null) raw.from = new Date(nowMs - range.ms).toISOString();
  if (view.range === "custom") {
    const from = localToIso(view.from);
    const to = localToIso(view.to);
    if (from !== undefined) raw.from = from;
    if (to !== undefined) raw.to = to;
  }
  if (view.agent !== "") raw.agent = view.agent;
  if (view.connector !== "") raw.connector = view.connector;
  if (view.action !== "") raw.action = view.action;
  if (view.decision.length > 0) raw.decision = view.decision;
  if (view.status !== "") raw.status = Number(view.status);
  if (view.unreviewed) raw.unreviewed = true;
  if (view.cursor !== "") raw.cursor = view.cursor;
  const parsed = listAuditInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join(".") ?? "filter"}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, filters: parsed.data };
}

/** The CSV/JSONL export link for the same filters (all pages, streamed by the API). */
export function exportHref(orgId: string, filters: AuditFilters, format: "csv" | "jsonl"): string {
  const q = new URLSearchParams({ orgId, format });
  for (const [key, value] of Object.entries(filters)) {
    if (key === "cursor" || key === "limit" || value === undefined) continue;
    q.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return `/export/audit?${q.toString()}`;
}

/** The query key of a view's page of events (shared by the server's seed and the browser). */
export function auditListKey(orgId: string, view: AuditView): string {
  return `audit.list/${orgId}/${auditViewQuery({ ...view, event: "" })}`;
}

/** The filters `audit.unreviewedCount` takes: the view's set, without paging or the switch itself. */
export function unreviewedCountFilters(
  filters: AuditFilters,
): Omit<AuditFilters, "cursor" | "limit" | "unreviewed"> {
  const { cursor: _cursor, limit: _limit, unreviewed: _unreviewed, ...rest } = filters;
  return rest;
}

/** The query key of the unreviewed count of a view: every filter but the page and the open event. */
export function unreviewedCountKey(orgId: string, view: AuditView): string {
  return `audit.unreviewedCount/${orgId}/${auditViewQuery({ ...view, event: "", cursor: "", unreviewed: false })}`;
}
