import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type Tenant, type TestApi } from "../testing/api-harness.ts";
import { makeAuditChain } from "../testing/audit-events.ts";
import { uniqueSuffix } from "../testing/seed.ts";
import { waitFor } from "../testing/wait-for.ts";

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  let api: TestApi;
  let acme: Tenant;
  const token = "metrics-token-0123456789";

  beforeAll(async () => {
    api = await startTestApi("bullmq", { env: { METRICS_TOKEN: token } });
    acme = await api.seedTenant("Acme");
  });
  afterAll(async () => {
    await api.close();
  });

  const scrape = async () => {
    const r = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    return r.text();
  };

  it("counts ingested requests by decision and reports queue depth, pending approvals and ingest lag", async () => {
    const events = makeAuditChain(acme.gateway.id, 50, { startMs: Date.now() - 2000 });
    const deny = events.filter((e) => e.decision === "deny").length;
    const allow = events.filter((e) => e.decision === "allow").length;
    await api.gatewayCall(acme.gatewayToken, "audit.ingest", { gateway_id: acme.gateway.id, events });
    await waitFor(
      "the first batch",
      async () => (await api.deps.repos.audit.lastSeq(acme.orgId, acme.gateway.id)) === 49,
    );
    // The same batch again once the first is stored (while it is queued, the job id would dedupe it).
    await api.gatewayCall(acme.gatewayToken, "audit.ingest", { gateway_id: acme.gateway.id, events });
    await api.gatewayCall(acme.gatewayToken, "approvals.create", {
      request_id: `req_${uniqueSuffix()}`,
      agent: "coder",
      action: {
        type: "http.post",
        connector: "internal",
        resource: "/",
        parameters: {},
        risk: "low",
        read: false,
      },
      timeout_seconds: 600,
    });
    const text = await waitFor("the stored events in the metrics", async () => {
      const t = await scrape();
      return sample(t, 'tameflare_audit_events_ingested_total{decision="deny"}') === deny ? t : null;
    });
    expect(sample(text, 'tameflare_audit_events_ingested_total{decision="allow"}')).toBe(allow);
    expect(sample(text, "tameflare_audit_events_accepted_total")).toBe(100);
    expect(sample(text, "tameflare_audit_batches_accepted_total")).toBe(2);
    // The second batch was the same events: only duplicates.
    await waitFor(
      "the duplicate batch",
      async () => sample(await scrape(), "tameflare_audit_events_duplicate_total") === 50,
    );
    expect(sample(text, 'tameflare_queue_depth{queue="approval-expiry"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tameflare_queue_depth{queue="audit-ingest"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, "tameflare_approvals_pending")).toBe(1);
    expect(sample(text, "tameflare_approvals_created_total")).toBe(1);
    // Events were stamped about 2 s before they were stored.
    expect(sample(text, 'tameflare_audit_ingest_lag_seconds{quantile="1"}')).toBeGreaterThan(1);
    expect(sample(text, 'tameflare_metrics_source_up{source="database"}')).toBe(1);
    expect(text).toContain("# TYPE tameflare_audit_events_ingested_total counter");
  });

  it("with METRICS_TOKEN set, a scrape without the token is refused", async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${api.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } }))
        .status,
    ).toBe(401);
  });
});
