"use client";

import Link from "next/link";
import { useState } from "react";
import { gatewayStatus } from "../../../components/gateway-status.ts";
import { useSession } from "../../../components/session.tsx";
import { EmptyState, ErrorNote, Loading, PageHeader, RelativeTime, useNow } from "../../../components/ui.tsx";
import { api } from "../../../lib/api.ts";
import { useApi } from "../../../lib/use-api.ts";

export default function GatewaysPage() {
  const { orgId, can } = useSession();
  const now = useNow(5000);
  const [showRevoked, setShowRevoked] = useState(false);
  const gateways = useApi(
    `gateways.list/${orgId}/${showRevoked ? "all" : "live"}`,
    () => api.gateways.list.query({ orgId, includeRevoked: showRevoked }),
    { intervalMs: 10_000 },
  );
  const create = can("admin") ? (
    <Link className="btn primary" href="/gateways/new">
      New gateway
    </Link>
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Gateways"
        description="Each gateway runs next to your agents: it decides every call they make and records it."
        actions={create}
      />
      <ErrorNote failure={gateways.failure} />
      {gateways.data === undefined ? (
        <Loading />
      ) : gateways.data.length === 0 && !showRevoked ? (
        <EmptyState title="No gateways yet" action={create}>
          {can("admin")
            ? "Create a gateway, pick the APIs your agents may call, paste their keys into the vault, and choose what needs a human. It takes two minutes."
            : "An admin of this organization creates gateways. Ask one to set up the first, then watch its traffic here."}
        </EmptyState>
      ) : (
        <>
          <div className="toolbar">
            <label className="switch">
              <input
                type="checkbox"
                checked={showRevoked}
                onChange={(e) => setShowRevoked(e.target.checked)}
              />
              Show revoked gateways
            </label>
          </div>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th>Enforcement</th>
                  <th>Last seen</th>
                  <th className="num">Bundle (applied / issued)</th>
                </tr>
              </thead>
              <tbody>
                {gateways.data.map((g) => {
                  const status = gatewayStatus(g, now);
                  return (
                    <tr key={g.id}>
                      <td>
                        <Link href={`/gateways/${g.id}`}>{g.name}</Link>
                        <div className="sub mono">{g.id}</div>
                      </td>
                      <td>
                        <span className={`badge ${status.tone}`}>{status.label}</span>
                      </td>
                      <td>{g.enforcement}</td>
                      <td>
                        <RelativeTime iso={g.lastSeenAt} />
                      </td>
                      <td className="num">
                        {g.ackedBundleVersion === null ? "—" : `v${g.ackedBundleVersion}`} /{" "}
                        {g.lastBundleVersion === 0 ? "—" : `v${g.lastBundleVersion}`}
                        {g.ackedBundleVersion !== null && g.ackedBundleVersion < g.lastBundleVersion ? (
                          <div className="sub">update pending</div>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
