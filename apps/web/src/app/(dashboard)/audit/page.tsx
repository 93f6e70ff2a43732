import { auditFilters, auditListKey, auditPageSize, readAuditView } from "../../../lib/audit-filters.ts";
import { SeedProvider } from "../../../lib/use-api.ts";
import { loadMe, serverApi, serverRead } from "../../../server/server-api.ts";
import { AuditLog } from "./audit-view.tsx";

export const dynamic = "force-dynamic";

/**
 * The audit log's first page is read on the server and sent in the HTML (keyset query on
 * `(gateway_id, ts, id)`, one page of 50), so the rows show without a browser round trip
 * even with millions of events; the browser takes over for paging, filters and live counts.
 */
export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(await searchParams)) {
    if (typeof value === "string") params.set(key, value);
    else if (Array.isArray(value) && value[0] !== undefined) params.set(key, value[0]);
  }
  const view = readAuditView(params);
  const me = await loadMe();
  const orgId = me?.activeOrgId ?? null;
  const seeds: Record<string, unknown> = {};
  if (orgId !== null) {
    const filters = auditFilters(view, Date.now(), auditPageSize);
    const api = await serverApi();
    const [page, gateways] = await Promise.all([
      filters.ok
        ? serverRead("audit.list", () => api.audit.list.query({ orgId, ...filters.filters }))
        : Promise.resolve(null),
      serverRead("gateways.list", () => api.gateways.list.query({ orgId, includeRevoked: true })),
    ]);
    if (page !== null && filters.ok) seeds[auditListKey(orgId, view)] = { ...page, filters: filters.filters };
    if (gateways !== null) seeds[`gateways.list/${orgId}/all`] = gateways;
  }
  return (
    <SeedProvider seeds={seeds}>
      <AuditLog />
    </SeedProvider>
  );
}
