"use client";

import Link from "next/link";
import { useMemo } from "react";
import { gatewayStatus } from "../../../components/gateway-status.ts";
import { useSession } from "../../../components/session.tsx";
import { usePendingApprovals } from "../../../components/shell.tsx";
import { bucketByMinute, TrafficChart } from "../../../components/traffic-chart.tsx";
import {
  DecisionBadge,
  EmptyState,
  ErrorNote,
  Loading,
  PageHeader,
  RelativeTime,
  useNow,
} from "../../../components/ui.tsx";
import { api, type Outputs } from "../../../lib/api.ts";
import { formatCount, timeLeft } from "../../../lib/format.ts";
import { useApi } from "../../../lib/use-api.ts";

type AuditEvent = Outputs["audit"]["list"]["events"][number];

const windowMinutes = 60;
const samplePages = 5;

/**
 * The last hour of the organization's events, newest first, read page by page from
 * `audit.list` (at most 5 pages of 1,000). The API has no aggregate query yet, so the
 * overview counts what it read and says so when the hour held more.
 */
async function lastHour(orgId: string): Promise<{ events: AuditEvent[]; truncated: boolean; nowMs: number }> {
  const nowMs = Date.now();
  const from = new Date(nowMs - windowMinutes * 60_000).toISOString();
  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < samplePages; i++) {
    const page: Outputs["audit"]["list"] = await api.audit.list.query({
      orgId,
      from,
      limit: 1000,
      ...(cursor === null ? {} : { cursor }),
    });
    events.push(...page.events);
    cursor = page.nextCursor;
    if (cursor === null) return { events, truncated: false, nowMs };
  }
  return { events, truncated: true, nowMs };
}

function top<T>(items: readonly T[], keyOf: (item: T) => string | null, n: number) {
  const counts = new Map<string, { total: number; denied: number; held: number }>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const c = counts.get(key) ?? { total: 0, denied: 0, held: 0 };
    c.total += 1;
    const decision = (item as { decision?: string }).decision;
    if (decision === "deny") c.denied += 1;
    if (decision === "require_approval") c.held += 1;
    counts.set(key, c);
  }
  return [...counts.entries()].sort((a, b) => b[1].total - a[1].total).slice(0, n);
}

function BarList({ rows, empty }: { rows: ReturnType<typeof top>; empty: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  const max = Math.max(...rows.map(([, c]) => c.total));
  return (
    <ul className="bar-list">
      {rows.map(([name, c]) => (
        <li key={name}>
          <span className="mono truncate" title={name}>
            {name}
          </span>
          <span className="muted nowrap">
            {formatCount(c.total)}
            {c.denied > 0 ? ` · ${formatCount(c.denied)} denied` : ""}
          </span>
          <span className="bar" aria-hidden="true">
            <i
              style={{ width: `${((c.total - c.denied - c.held) / max) * 100}%`, background: "var(--allow)" }}
            />
            <i style={{ width: `${(c.held / max) * 100}%`, background: "var(--hold)" }} />
            <i style={{ width: `${(c.denied / max) * 100}%`, background: "var(--deny)" }} />
          </span>
        </li>
      ))}
    </ul>
  );
}

export default function OverviewPage() {
  const { orgId } = useSession();
  const now = useNow(1000);
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }), {
    intervalMs: 15_000,
  });
  const sample = useApi(`audit.sample/${orgId}`, () => lastHour(orgId), { intervalMs: 15_000 });
  const pending = usePendingApprovals();

  const buckets = useMemo(
    () =>
      sample.data === undefined ? null : bucketByMinute(sample.data.events, sample.data.nowMs, windowMinutes),
    [sample.data],
  );
  const events = sample.data?.events ?? [];
  const denials = events.filter((e) => e.decision === "deny").slice(0, 6);
  const gwName = (id: string) => gateways.data?.find((g) => g.id === id)?.name ?? id;

  if (gateways.data !== undefined && gateways.data.length === 0) {
    return (
      <>
        <PageHeader title="Overview" />
        <EmptyState
          title="Put your first agent behind a gateway"
          action={
            <Link className="btn primary" href="/gateways/new">
              Create a gateway
            </Link>
          }
        >
          A gateway sits between your agents and the APIs they call: it decides allow, deny or hold for a
          human, injects the real credentials, and records every call here. Create one, run{" "}
          <code>tf init</code> with the token it shows, then start your agent with{" "}
          <code>tf run -- your-agent</code>.
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Overview"
        description="The last hour across every gateway of this organization."
        actions={
          <Link className="btn" href="/audit">
            Open the audit log
          </Link>
        }
      />
      <ErrorNote failure={sample.failure ?? gateways.failure} />
      <div className="grid grid-4" style={{ marginBottom: 16 }}>
        <div className="card stat">
          <span className="value" data-testid="stat-requests">
            {sample.data === undefined ? "…" : formatCount(events.length)}
            {sample.data?.truncated ? "+" : ""}
          </span>
          <span className="label">requests in the last hour</span>
        </div>
        <div className="card stat">
          <span className="value" style={{ color: "var(--deny)" }}>
            {sample.data === undefined
              ? "…"
              : formatCount(events.filter((e) => e.decision === "deny").length)}
          </span>
          <span className="label">denied</span>
        </div>
        <div className="card stat">
          <Link href="/approvals" className="value" style={{ color: "var(--hold)" }}>
            {pending.data === undefined ? "…" : formatCount(pending.data.length)}
          </Link>
          <span className="label">waiting for approval</span>
        </div>
        <div className="card stat">
          <span className="value">
            {gateways.data === undefined
              ? "…"
              : `${gateways.data.filter((g) => gatewayStatus(g, now).tone === "online").length}/${gateways.data.length}`}
          </span>
          <span className="label">gateways online</span>
        </div>
      </div>

      <section className="card" aria-labelledby="rpm-title">
        <div className="card-header">
          <h2 id="rpm-title">Requests per minute</h2>
          <p>
            {sample.data?.truncated
              ? `A busy hour: the chart shows the latest ${formatCount(events.length)} requests.`
              : "By decision, last 60 minutes."}
          </p>
        </div>
        {buckets === null ? <Loading /> : <TrafficChart buckets={buckets} />}
        {sample.data !== undefined && events.length === 0 ? (
          <p className="muted" style={{ marginTop: 8 }}>
            No requests in the last hour. Start an agent with <code>tf run -- your-agent</code> on a machine
            where the gateway is initialised; its calls appear here within seconds.
          </p>
        ) : null}
      </section>

      <div className="grid grid-2" style={{ marginTop: 16 }}>
        <section className="card" aria-labelledby="top-actions">
          <div className="card-header">
            <h2 id="top-actions">Top actions</h2>
            <Link href="/audit">All events</Link>
          </div>
          {sample.data === undefined ? (
            <Loading />
          ) : (
            <BarList rows={top(events, (e) => e.action_type, 6)} empty="No actions in the last hour." />
          )}
        </section>
        <section className="card" aria-labelledby="top-agents">
          <div className="card-header">
            <h2 id="top-agents">Top agents</h2>
          </div>
          {sample.data === undefined ? (
            <Loading />
          ) : (
            <BarList rows={top(events, (e) => e.agent, 6)} empty="No agents active in the last hour." />
          )}
        </section>
        <section className="card" aria-labelledby="denials">
          <div className="card-header">
            <h2 id="denials">Recent denials</h2>
            <Link href="/audit?decision=deny">See all</Link>
          </div>
          {sample.data === undefined ? (
            <Loading />
          ) : denials.length === 0 ? (
            <p className="muted">Nothing was denied in the last hour.</p>
          ) : (
            <ul className="bar-list">
              {denials.map((e) => (
                <li key={e.id}>
                  <span className="mono truncate">{e.action_type ?? `${e.method} ${e.host}`}</span>
                  <span className="muted nowrap">
                    <RelativeTime iso={e.ts} />
                  </span>
                  <span className="muted" style={{ gridColumn: "1 / -1", fontSize: "0.84rem" }}>
                    {e.agent} · {e.reason ?? "no reason recorded"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="pending">
          <div className="card-header">
            <h2 id="pending">Pending approvals</h2>
            <Link href="/approvals">Open the inbox</Link>
          </div>
          {pending.data === undefined ? (
            <Loading />
          ) : pending.data.length === 0 ? (
            <p className="muted">Nothing is waiting for a human.</p>
          ) : (
            <ul className="bar-list">
              {pending.data.slice(0, 5).map((a) => (
                <li key={a.id}>
                  <span className="mono truncate">{a.actionType}</span>
                  <span className="countdown nowrap" suppressHydrationWarning>
                    {timeLeft(a.expiresAt, now)} left
                  </span>
                  <span className="muted" style={{ gridColumn: "1 / -1", fontSize: "0.84rem" }}>
                    {a.agent} on {gwName(a.gatewayId)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="gateways-seen" style={{ marginTop: 16 }}>
        <div className="card-header">
          <h2 id="gateways-seen">Gateways</h2>
          <Link href="/gateways">Manage</Link>
        </div>
        {gateways.data === undefined ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Gateway</th>
                  <th>Status</th>
                  <th>Last seen</th>
                  <th className="hide-phone">Recent decisions</th>
                </tr>
              </thead>
              <tbody>
                {gateways.data.map((g) => {
                  const status = gatewayStatus(g, now);
                  const mine = events.filter(
                    (e) => e.gateway_id === g.id || e.gateway_id.startsWith(`${g.id}:`),
                  );
                  return (
                    <tr key={g.id}>
                      <td>
                        <Link href={`/gateways/${g.id}`}>{g.name}</Link>
                      </td>
                      <td>
                        <span className={`badge ${status.tone}`}>{status.label}</span>
                      </td>
                      <td>
                        <RelativeTime iso={g.lastSeenAt} />
                      </td>
                      <td className="hide-phone">
                        {mine.length === 0 ? (
                          <span className="faint">none this hour</span>
                        ) : (
                          <span className="inline-form">
                            {(["allow", "require_approval", "deny"] as const).map((d) => {
                              const n = mine.filter((e) => e.decision === d).length;
                              return n === 0 ? null : (
                                <span key={d}>
                                  <DecisionBadge decision={d} /> {formatCount(n)}
                                </span>
                              );
                            })}
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
