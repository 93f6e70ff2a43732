import type { AuditEvent } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type Tenant, type TestApi } from "../../testing/api-harness.ts";
import { makeAuditChain } from "../../testing/audit-events.ts";
import { uniqueSuffix } from "../../testing/seed.ts";
import { callerFor, createTestClock } from "../../testing/test-deps.ts";

// The overview's aggregates (`audit.stats`) and the server-side "nobody has reviewed it yet"
// filter of `audit.list`, through the real router on Postgres.
describe("audit overview and unreviewed filter", () => {
  // 12:00:30: the window of the last 60 minutes is 11:01:00 <= ts < 12:01:00.
  const clock = createTestClock(new Date(Date.UTC(2031, 4, 1, 12, 0, 30)));
  const windowTo = Date.UTC(2031, 4, 1, 12, 1);
  const windowFrom = windowTo - 60 * 60_000;
  let api: TestApi;
  let acme: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await startTestApi("in-process", { clock: clock.now, workers: false });
    acme = await api.seedTenant("Acme");
    other = await api.seedTenant("Other");
  });
  afterAll(async () => {
    await api.close();
  });

  async function store(tenant: Tenant, gatewayId: string, events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 4000) {
      const stored = await api.deps.repos.audit.insertBatch(
        { orgId: tenant.orgId, gatewayId },
        events.slice(i, i + 4000),
      );
      if (!stored.ok) throw new Error(stored.message);
    }
  }

  it("audit.stats counts a busy hour exactly in SQL (12,000 events), never another organization's", async () => {
    const { gateway: gw1 } = await acme.newGateway();
    const { gateway: gw2 } = await acme.newGateway();
    // 12,000 events over the hour on gw1 (0.31 s apart, the first two minutes before the
    // window), 500 on gw2 inside it, and 3,000 of another organization in the same minutes.
    const busy = makeAuditChain(`${gw1.id}:run-${uniqueSuffix()}`, 12_000, {
      startMs: windowFrom - 120_000,
      stepMs: 310,
    });
    const quiet = makeAuditChain(gw2.id, 500, { startMs: windowFrom + 1_000, stepMs: 7_000 });
    const { gateway: foreignGw } = await other.newGateway();
    const foreign = makeAuditChain(foreignGw.id, 3000, { startMs: windowFrom, stepMs: 1_000 });
    await store(acme, gw1.id, busy);
    await store(acme, gw2.id, quiet);
    await store(other, foreignGw.id, foreign);

    const inWindow = (e: AuditEvent) => Date.parse(e.ts) >= windowFrom && Date.parse(e.ts) < windowTo;
    const count = (events: AuditEvent[], keep: (e: AuditEvent) => boolean) =>
      events.filter((e) => inWindow(e) && keep(e)).length;
    const all = [...busy, ...quiet];
    const viewer = await acme.as("viewer");
    const stats = await viewer.audit.stats({ orgId: acme.orgId });

    expect(stats.from).toBe(new Date(windowFrom).toISOString());
    expect(stats.to).toBe(new Date(windowTo).toISOString());
    expect(stats.windowMinutes).toBe(60);
    expect(stats.total).toBe(count(all, () => true));
    expect(stats.total).toBeGreaterThan(11_000);
    for (const d of ["allow", "deny", "require_approval", "bypass", "error"] as const) {
      expect(stats.byDecision[d], d).toBe(count(all, (e) => e.decision === d));
    }
    // Per minute: every minute of the window, each decision, exactly.
    const minutes = new Map<string, Record<string, number>>();
    for (const e of all.filter(inWindow)) {
      const minute = new Date(Math.floor(Date.parse(e.ts) / 60_000) * 60_000).toISOString();
      const counts = minutes.get(minute) ?? {};
      counts[e.decision] = (counts[e.decision] ?? 0) + 1;
      minutes.set(minute, counts);
    }
    expect(stats.perMinute).toEqual(
      [...minutes.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([minute, counts]) => ({ minute, counts })),
    );
    expect(stats.perMinute).toHaveLength(60);
    // Gateways, agents and actions with their denials.
    expect(stats.gateways).toEqual(
      [gw1.id, gw2.id].sort().map((gatewayId) => {
        const mine = (e: AuditEvent) => e.gateway_id.split(":")[0] === gatewayId;
        return {
          gatewayId,
          total: count(all, mine),
          denied: count(all, (e) => mine(e) && e.decision === "deny"),
          held: count(all, (e) => mine(e) && e.decision === "require_approval"),
          allowed: count(all, (e) => mine(e) && e.decision === "allow"),
        };
      }),
    );
    const coder = stats.topAgents.find((a) => a.agent === "coder");
    expect(coder).toEqual({
      agent: "coder",
      total: count(all, (e) => e.agent === "coder"),
      denied: count(all, (e) => e.agent === "coder" && e.decision === "deny"),
      held: count(all, (e) => e.agent === "coder" && e.decision === "require_approval"),
      allowed: count(all, (e) => e.agent === "coder" && e.decision === "allow"),
    });
    expect(stats.topActions.map((a) => a.total)).toEqual(
      [...stats.topActions.map((a) => a.total)].sort((a, b) => b - a),
    );
    expect(stats.topActions.reduce((s, a) => s + a.total, 0)).toBe(stats.total);

    // One gateway; a shorter window; the other organization sees only its own.
    const one = await viewer.audit.stats({ orgId: acme.orgId, gatewayId: gw2.id, windowMinutes: 5 });
    expect(one.total).toBe(
      quiet.filter((e) => Date.parse(e.ts) >= windowTo - 5 * 60_000 && Date.parse(e.ts) < windowTo).length,
    );
    expect(one.gateways.map((g) => g.gatewayId)).toEqual([gw2.id]);
    const theirs = await (await other.as("viewer")).audit.stats({ orgId: other.orgId });
    expect(theirs.total).toBe(count(foreign, () => true));
    expect(theirs.gateways.map((g) => g.gatewayId)).toEqual([foreignGw.id]);
  });

  it("audit.stats: anonymous callers, another organization's gateway and out-of-range windows are refused", async () => {
    const anonymous = (await callerFor(api.deps, {})).caller;
    await expect(anonymous.audit.stats({ orgId: acme.orgId })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const overHttp = await fetch(
      `${api.url}/trpc/audit.stats?input=${encodeURIComponent(JSON.stringify({ orgId: acme.orgId }))}`,
    );
    expect(overHttp.status).toBe(401);
    const outsider = await (await other.as("owner")).audit
      .stats({ orgId: acme.orgId })
      .catch((e: unknown) => e);
    expect(outsider).toMatchObject({ code: "NOT_FOUND" });
    const viewer = await acme.as("viewer");
    await expect(
      viewer.audit.stats({ orgId: acme.orgId, gatewayId: other.gateway.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(viewer.audit.stats({ orgId: acme.orgId, windowMinutes: 24 * 60 + 1 })).rejects.toMatchObject(
      {
        code: "BAD_REQUEST",
      },
    );
    await expect(viewer.audit.stats({ orgId: acme.orgId, windowMinutes: 0 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await viewer.audit.stats({ orgId: acme.orgId, windowMinutes: 24 * 60 })).windowMinutes).toBe(
      1440,
    );
  });

  it("unreviewed: true pages through exactly the events no mark covers, with the other filters, and counts them", async () => {
    const { gateway } = await acme.newGateway();
    const chain = `${gateway.id}:run-${uniqueSuffix()}`;
    // Three events per timestamp, so keyset pages must break ties by id under the filter.
    const events = makeAuditChain(chain, 90, {
      startSeq: 1,
      tsOf: (i) => new Date(windowFrom + Math.floor(i / 3) * 1000).toISOString(),
    });
    await store(acme, gateway.id, events);
    const member = await acme.as("member");
    await member.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      chainId: chain,
      fromSeq: 20,
      toSeq: 44,
    });
    await member.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      chainId: chain,
      fromSeq: 80,
      toSeq: 200,
    });
    for (const seq of [2, 3, 50, 61]) {
      const event = events.find((e) => e.seq === seq);
      await member.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, eventId: event?.id ?? "" });
    }
    const reviewed = (e: AuditEvent) =>
      (e.seq >= 20 && e.seq <= 44) || e.seq >= 80 || [2, 3, 50, 61].includes(e.seq);

    const viewer = await acme.as("viewer");
    const pageThrough = async (filters: { decision?: ("allow" | "deny")[]; agent?: string }) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 200; pages++) {
        const page = await viewer.audit.list({
          orgId: acme.orgId,
          gatewayId: gateway.id,
          unreviewed: true,
          limit: 4,
          ...filters,
          ...(cursor === undefined ? {} : { cursor }),
        });
        expect(page.events.length).toBeLessThanOrEqual(4);
        seen.push(...page.events.map((e) => e.id));
        if (page.nextCursor === null) return seen;
        cursor = page.nextCursor;
      }
      throw new Error("the pages never ended");
    };
    const want = (keep: (e: AuditEvent) => boolean) =>
      events
        .filter((e) => !reviewed(e) && keep(e))
        .reverse()
        .map((e) => e.id);

    const unreviewed = await pageThrough({});
    expect(unreviewed).toEqual(want(() => true));
    expect(new Set(unreviewed).size).toBe(unreviewed.length);
    expect(unreviewed).toHaveLength(90 - 25 - 11 - 4);
    expect(await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).toEqual({
      count: unreviewed.length,
    });

    const denied = await pageThrough({ decision: ["deny"] });
    expect(denied).toEqual(want((e) => e.decision === "deny"));
    expect(
      await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id, decision: ["deny"] }),
    ).toEqual({ count: denied.length });
    const coder = await pageThrough({ agent: "coder", decision: ["allow", "deny"] });
    expect(coder).toEqual(
      want((e) => e.agent === "coder" && (e.decision === "allow" || e.decision === "deny")),
    );
    expect(coder.length).toBeGreaterThan(0);

    // A mark made while paging takes the event out of later pages, never repeats one.
    const first = await viewer.audit.list({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      unreviewed: true,
      limit: 4,
    });
    const later = unreviewed[10] ?? "";
    await member.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, eventId: later });
    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = await viewer.audit.list({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        unreviewed: true,
        limit: 4,
        cursor,
      });
      rest.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    }
    expect([...first.events.map((e) => e.id), ...rest]).toEqual(unreviewed.filter((id) => id !== later));

    // Another organization's marks and filters see nothing of this one.
    await expect(
      (await other.as("viewer")).audit.list({ orgId: other.orgId, gatewayId: gateway.id, unreviewed: true }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      (await callerFor(api.deps, {})).caller.audit.list({ orgId: acme.orgId, unreviewed: true }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
