import type { AuditEvent } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type Tenant, type TestApi } from "../../testing/api-harness.ts";
import { makeAuditChain } from "../../testing/audit-events.ts";
import { uniqueSuffix } from "../../testing/seed.ts";
import { pageReviewInput, planPageReview } from "./page-review.ts";

// Team review as the dashboard does it, through the real router on Postgres: a page of
// `audit.list` is marked with what `planPageReview` (the dashboard's rule) sends, and each
// event's `reviewed` state comes back from `audit.list` itself.
describe("team review: marks cover exactly what was shown, and every row knows its review", () => {
  let api: TestApi;
  let acme: Tenant;

  beforeAll(async () => {
    api = await startTestApi("in-process", { workers: false });
    acme = await api.seedTenant("Acme");
  });
  afterAll(async () => {
    await api.close();
  });

  async function store(gatewayId: string, events: AuditEvent[]): Promise<void> {
    const stored = await api.deps.repos.audit.insertBatch({ orgId: acme.orgId, gatewayId }, events);
    if (!stored.ok) throw new Error(stored.message);
  }

  /** Every event of the gateway (one page) with its review state, newest first. */
  async function allRows(gatewayId: string) {
    const viewer = await acme.as("viewer");
    const page = await viewer.audit.list({ orgId: acme.orgId, gatewayId, limit: 1000 });
    expect(page.nextCursor).toBeNull();
    return page.events;
  }

  it("a filtered page marked reviewed covers the events shown and leaves the events the filter hid unreviewed", async () => {
    const { gateway } = await acme.newGateway();
    const events = makeAuditChain(gateway.id, 40, { startMs: Date.UTC(2031, 0, 1), stepMs: 1000 });
    await store(gateway.id, events);
    const viewer = await acme.as("viewer");
    const member = await acme.as("member");

    const denied = await viewer.audit.list({ orgId: acme.orgId, gatewayId: gateway.id, decision: ["deny"] });
    const shown = new Set(denied.events.map((e) => e.id));
    expect(shown.size).toBe(events.filter((e) => e.decision === "deny").length);
    // What the old "lowest to highest seq shown" range would have swallowed: events the filter hid.
    const seqs = denied.events.map((e) => e.seq);
    const hiddenInSpan = events.filter(
      (e) => !shown.has(e.id) && e.seq >= Math.min(...seqs) && e.seq <= Math.max(...seqs),
    );
    expect(hiddenInSpan.length).toBeGreaterThan(20);

    const plan = planPageReview(denied.events, { filtered: true });
    expect(plan).toMatchObject({ kind: "events", reason: "filtered", count: shown.size });
    const marked = await member.audit.markReviewed({
      orgId: acme.orgId,
      ...pageReviewInput(gateway.id, plan, "denials are expected"),
    });
    expect(marked.marks).toHaveLength(shown.size);
    expect(marked.marks.every((m) => m.fromSeq === null && m.comment === "denials are expected")).toBe(true);

    const rows = await allRows(gateway.id);
    expect(rows.filter((e) => e.reviewed).map((e) => e.id)).toEqual(
      rows.filter((e) => shown.has(e.id)).map((e) => e.id),
    );
    for (const hidden of hiddenInSpan) {
      expect(rows.find((e) => e.id === hidden.id)?.reviewed, `seq ${hidden.seq}`).toBe(false);
    }
    expect(await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).toEqual({
      count: events.length - shown.size,
    });

    // Unfiltered, one chain, contiguous seqs: one range, and it holds exactly the page.
    const newest = await viewer.audit.list({ orgId: acme.orgId, gatewayId: gateway.id, limit: 10 });
    const rangePlan = planPageReview(newest.events, { filtered: false });
    expect(rangePlan).toEqual({ kind: "range", count: 10, chainId: gateway.id, fromSeq: 30, toSeq: 39 });
    await member.audit.markReviewed({ orgId: acme.orgId, ...pageReviewInput(gateway.id, rangePlan) });
    const after = await allRows(gateway.id);
    expect(after.filter((e) => e.reviewed).map((e) => e.seq)).toEqual(
      after.filter((e) => e.seq >= 30 || shown.has(e.id)).map((e) => e.seq),
    );
  });

  it("two chains of one gateway with overlapping seqs: a range mark on one leaves the other unreviewed", async () => {
    const { gateway } = await acme.newGateway();
    const runA = `${gateway.id}:run-${uniqueSuffix()}`;
    const runB = `${gateway.id}:run-${uniqueSuffix()}`;
    // Run A, then run B (a restarted gateway): both number their events from seq 0.
    const a = makeAuditChain(runA, 12, { startMs: Date.UTC(2031, 0, 1), stepMs: 1000 });
    const b = makeAuditChain(runB, 12, { startMs: Date.UTC(2031, 0, 2), stepMs: 1000 });
    await store(gateway.id, [...a, ...b]);
    const viewer = await acme.as("viewer");
    const member = await acme.as("member");

    // A page spanning both runs is marked event by event.
    const spanning = await viewer.audit.list({ orgId: acme.orgId, gatewayId: gateway.id, limit: 16 });
    expect(planPageReview(spanning.events, { filtered: false })).toMatchObject({
      kind: "events",
      reason: "chains",
      count: 16,
    });

    // Pages of 12: run B's events, then (the next page) run A's, marked as a range of its chain,
    // which must not cover run B's same seq numbers.
    const newer = await viewer.audit.list({ orgId: acme.orgId, gatewayId: gateway.id, limit: 12 });
    expect(newer.events.every((e) => e.gateway_id === runB)).toBe(true);
    const older = await viewer.audit.list({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      limit: 12,
      cursor: newer.nextCursor ?? "",
    });
    const plan = planPageReview(older.events, { filtered: false });
    expect(plan).toEqual({ kind: "range", count: 12, chainId: runA, fromSeq: 0, toSeq: 11 });
    const marked = await member.audit.markReviewed({
      orgId: acme.orgId,
      ...pageReviewInput(gateway.id, plan),
    });
    expect(marked.marks).toMatchObject([{ chainId: runA, fromSeq: 0, toSeq: 11, eventId: null }]);

    const rows = await allRows(gateway.id);
    expect(rows.filter((e) => e.gateway_id === runA).every((e) => e.reviewed)).toBe(true);
    expect(rows.filter((e) => e.gateway_id === runB).some((e) => e.reviewed)).toBe(false);
    expect(await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).toEqual({
      count: 12,
    });
    const unreviewed = await viewer.audit.list({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      unreviewed: true,
    });
    expect(unreviewed.events.map((e) => e.id)).toEqual(b.map((e) => e.id).reverse());
    const detail = await viewer.audit.get({ orgId: acme.orgId, eventId: b[3]?.id ?? "" });
    expect(detail.reviews).toEqual([]);

    // A range must name its chain, and a chain of this gateway.
    await expect(
      member.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, fromSeq: 0, toSeq: 3 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("chainId") });
    const { gateway: neighbour } = await acme.newGateway();
    await expect(
      member.audit.markReviewed({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        chainId: neighbour.id,
        fromSeq: 0,
        toSeq: 3,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not a chain of") });
    await expect(
      member.audit.markReviewed({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        eventId: b[0]?.id ?? "",
        eventIds: [b[1]?.id ?? ""],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("a row reviewed by a mark older than 500 newer marks shows reviewed, with who and when", async () => {
    const { gateway } = await acme.newGateway();
    const events = makeAuditChain(gateway.id, 700, { startMs: Date.UTC(2031, 0, 1), stepMs: 1000 });
    await store(gateway.id, events);
    const member = await acme.as("member");
    const admin = await acme.as("admin");
    const oldest = events[0];
    if (oldest === undefined) throw new Error("no events");
    const first = await member.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      eventId: oldest.id,
      comment: "first look",
    });
    // 600 newer marks on other events (several calls, as pages are marked one by one).
    for (let i = 1; i <= 600; i += 100) {
      await admin.audit.markReviewed({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        eventIds: events.slice(i, i + 100).map((e) => e.id),
      });
    }
    const viewer = await acme.as("viewer");
    // The 500 newest marks (what the dashboard used to badge rows with) do not include it.
    const newest500 = await viewer.audit.reviews({ orgId: acme.orgId, gatewayId: gateway.id, limit: 500 });
    expect(newest500.some((m) => m.eventId === oldest.id)).toBe(false);

    const rows = await allRows(gateway.id);
    const row = rows.find((e) => e.id === oldest.id);
    expect(row).toMatchObject({
      reviewed: true,
      reviewed_by: acme.users.member.userId,
      reviewed_at: first.marks[0]?.createdAt,
    });
    expect(rows.filter((e) => e.reviewed)).toHaveLength(601);
    expect(rows.filter((e) => !e.reviewed).map((e) => e.seq)).toEqual(
      events
        .slice(601)
        .map((e) => e.seq)
        .reverse(),
    );
    expect(rows.find((e) => e.seq === 650)).toMatchObject({
      reviewed: false,
      reviewed_by: null,
      reviewed_at: null,
    });
    expect(rows.find((e) => e.seq === 300)).toMatchObject({
      reviewed: true,
      reviewed_by: acme.users.admin.userId,
    });

    // A later mark on the same event is the one the row names.
    const again = await admin.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      chainId: gateway.id,
      fromSeq: 0,
      toSeq: 0,
    });
    const reread = (await allRows(gateway.id)).find((e) => e.id === oldest.id);
    expect(reread).toMatchObject({
      reviewed: true,
      reviewed_by: acme.users.admin.userId,
      reviewed_at: again.marks[0]?.createdAt,
    });

    // Marking by id is all or nothing: one unknown id and nothing is marked.
    const before = (await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).count;
    await expect(
      member.audit.markReviewed({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        eventIds: [events[650]?.id ?? "", "evt_doesnotexist01"],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("evt_doesnotexist01") });
    expect((await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).count).toBe(
      before,
    );
  });
});
