"use client";

import Link from "next/link";
import { useMemo } from "react";
import { gatewayStatus } from "../../../components/gateway-status.ts";
import { useSession } from "../../../components/session.tsx";
import { usePendingApprovals } from "../../../components/shell.tsx";
import { bucketsFromStats, TrafficChart } from "../../../components/traffic-chart.tsx";
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

type Stats = Outputs["audit"]["stats"];
type Group = { name: string; total: number; denied: number; held: number };

const windowMinutes = 60;
const topN = 6;

function BarList({ rows, empty }: { rows: Group[]; empty: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  const max = Math.max(...rows.map((r) => r.total));
  return (
    <ul className="bar-list">
      {rows.map((c) => (
        <li key={c.name}>
          <span className="mono truncate" title={c.name}>
            {c.name}
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
  // Counted by the API in SQL over every event of the hour, however many there are.
  const stats = useApi<Stats>(
    `audit.stats/${orgId}`,
    () => api.audit.stats.query({ orgId, windowMinutes, top: topN }),
    { intervalMs: 15_000 },
  );
  const recentDenials = useApi(
    `audit.list/${orgId}/overview-denials`,
    () =>
      api.audit.list.query({
        orgId,
        decision: ["deny"],
        limit: 6,
        from: new Date(Date.now() - windowMinutes * 60_000).toISOString(),
      }),
    { intervalMs: 15_000 },
  );
  const pending = usePendingApprovals();

  const buckets = useMemo(
    () => (stats.data === undefined ? null : bucketsFromStats(stats.data)),
    [stats.data],
  );
  const data = stats.data;
  const denials = recentDenials.data?.events ?? [];
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
      <ErrorNote failure={stats.failure ?? gateways.failure ?? recentDenials.failure} />
      <div className="grid grid-4" style={{ marginBottom: 16 }}>
        <div className="card stat">
          <span className="value" data-testid="stat-requests">
            {data === undefined ? "…" : formatCount(data.total)}
          </span>
          <span className="label">requests in the last hour</span>
        </div>
        <div className="card stat">
          <span className="value" style={{ color: "var(--deny)" }} data-testid="stat-denied">
            {data === undefined ? "…" : formatCount(data.byDecision.deny)}
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
          <p>By decision, last 60 minutes.</p>
        </div>
        {buckets === null ? <Loading /> : <TrafficChart buckets={buckets} />}
        {data !== undefined && data.total === 0 ? (
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
          {data === undefined ? (
            <Loading />
          ) : (
            <BarList
              rows={data.topActions.map((a) => ({ ...a, name: a.actionType }))}
              empty="No actions in the last hour."
            />
          )}
        </section>
        <section className="card" aria-labelledby="top-agents">
          <div className="card-header">
            <h2 id="top-agents">Top agents</h2>
          </div>
          {data === undefined ? (
            <Loading />
          ) : (
            <BarList
              rows={data.topAgents.map((a) => ({ ...a, name: a.agent }))}
              empty="No agents active in the last hour."
            />
          )}
        </section>
        <section className="card" aria-labelledby="denials">
          <div className="card-header">
            <h2 id="denials">Recent denials</h2>
            <Link href="/audit?decision=deny">See all</Link>
          </div>
          {recentDenials.data === undefined ? (
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
                  const mine = data?.gateways.find((c) => c.gatewayId === g.id);
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
                        {data === undefined ? (
                          <span className="faint">…</span>
                        ) : mine === undefined ? (
                          <span className="faint">none this hour</span>
                        ) : (
                          <span className="inline-form">
                            {(
                              [
                                ["allow", mine.allowed],
                                ["require_approval", mine.held],
                                ["deny", mine.denied],
                              ] as const
                            ).map(([d, n]) => {
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
