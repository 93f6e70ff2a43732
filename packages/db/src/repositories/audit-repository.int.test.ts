import { createHash, randomBytes } from "node:crypto";
import {
  type AuditEvent,
  type AuditEventBody,
  type AuditEventRecord,
  auditGenesisHash,
  auditHashInput,
  type Gateway,
  type Organization,
} from "@tameflare/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  type OpenedTestDatabase,
  testBackends,
} from "../../../../tests/support/index.ts";
import { createDatabase } from "../database.ts";
import { createRepositories, type Repositories, withTransaction } from "./index.ts";

const unique = () => randomBytes(5).toString("hex");

/** `events` with `prev_hash` and `hash` recomputed in order: a valid chain again after edits. */
function relink(events: AuditEvent[]): AuditEvent[] {
  let prev = events[0]?.prev_hash ?? auditGenesisHash;
  return events.map(({ hash: _hash, ...rest }) => {
    const body: AuditEventBody = { ...rest, prev_hash: prev };
    const hash = createHash("sha256").update(auditHashInput(body)).digest("hex");
    prev = hash;
    return { ...body, hash };
  });
}

const agents = ["billing-bot", "coder", "support"];
const actions: [string, string][] = [
  ["github", "github.pr.merge"],
  ["github", "github.pr.create"],
  ["github", "github.repo.delete"],
  ["stripe", "stripe.refund.create"],
  ["openai", "openai.chat.create"],
];
const outcomes = ["allow", "deny", "require_approval", "allow", "error"] as const;

/** A valid hash chain of `count` events, one second apart, continuing from `from`. */
function makeChain(
  gatewayId: string,
  count: number,
  from: { seq: number; prevHash: string; startMs: number } = {
    seq: 1,
    prevHash: auditGenesisHash,
    startMs: Date.UTC(2030, 0, 1),
  },
  tsOf: (i: number) => string = (i) => new Date(from.startMs + i * 1000).toISOString(),
): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = from.prevHash;
  for (let i = 0; i < count; i++) {
    const [connector, actionType] = actions[i % actions.length] ?? ["github", "github.pr.merge"];
    const decision = outcomes[i % outcomes.length] ?? "allow";
    const body: AuditEventBody = {
      id: `evt_${unique()}${i.toString(36).padStart(4, "0")}`,
      gateway_id: gatewayId,
      seq: from.seq + i,
      ts: tsOf(i),
      agent: agents[i % agents.length] ?? "coder",
      connector,
      action_type: actionType,
      decision,
      enforced: decision === "error" ? null : decision,
      mode: "full",
      reason: decision === "deny" ? "main is protected" : null,
      rule: decision === "deny" ? "protect-main" : null,
      risk: i % 2 === 0 ? "high" : "low",
      risk_score: i % 2 === 0 ? 95 : 12.5,
      status: decision === "allow" ? 200 : 403,
      latency_ms: 3.25 + (i % 7),
      method: "POST",
      host: "api.github.com",
      path: `/repos/acme/app/pulls/${i}/merge`,
      request_id: `req_${unique()}`,
      approval_id: null,
      error_code: decision === "error" ? "upstream_timeout" : null,
      bytes_in: 512 + i,
      bytes_out: i % 3 === 0 ? null : 2048,
      prev_hash: prev,
    };
    const hash = createHash("sha256").update(auditHashInput(body)).digest("hex");
    events.push({ ...body, hash });
    prev = hash;
  }
  return events;
}

describe.each(testBackends)("audit repository on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;
  let org: Organization;
  let otherOrg: Organization;

  beforeAll(async () => {
    opened = await backend.open();
    // As the API wires it: the batch insert on the driver, around Prisma.
    repos = createRepositories(opened.db.prisma, opened.db.sql);
    const a = await repos.organizations.create({ name: "A", slug: `a-${unique()}` });
    const b = await repos.organizations.create({ name: "B", slug: `b-${unique()}` });
    if (!a.ok || !b.ok) throw new Error("org setup failed");
    org = a.value;
    otherOrg = b.value;
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  async function newGateway(orgId = org.id): Promise<Gateway> {
    const g = await repos.gateways.create({
      orgId,
      name: `gw-${unique()}`,
      tokenHash: `h-${unique()}`,
      tokenPrefix: "gwtk_1",
    });
    if (!g.ok) throw new Error(g.message);
    return g.value;
  }

  it("stores a 5,000-event batch in one insert and the chain verifies", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 5000);
    const started = performance.now();
    const result = await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const elapsedMs = performance.now() - started;
    console.log(`[${backend.name}] insertBatch of 5,000 events: ${elapsedMs.toFixed(0)} ms`);
    expect(result).toMatchObject({ ok: true, value: { inserted: 5000 } });
    expect(await repos.audit.lastSeq(org.id, gw.id)).toBe(5000);
    const report = await repos.audit.verifyChain(org.id, gw.id);
    expect(report).toEqual({ ok: true, checked: 5000, lastSeq: 5000, lastHash: events.at(-1)?.hash });

    const again = await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    expect(again).toEqual({ ok: true, value: { inserted: 0, byDecision: {} } });
  });

  it("re-inserting an already-stored event adds nothing and leaves the stored row unchanged", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 20);
    expect(
      await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events.slice(0, 10)),
    ).toMatchObject({
      ok: true,
      value: { inserted: 10 },
    });
    const original = events[3] as AuditEvent;
    const stored = await repos.audit.findByEventId(org.id, original.id);
    const forged = { ...original, decision: "allow" as const, reason: "rewritten" };
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, [forged])).toEqual({
      ok: true,
      value: { inserted: 0, byDecision: {} },
    });
    expect(await repos.audit.findByEventId(org.id, original.id)).toEqual(stored);
    // A batch overlapping what is stored inserts only the new half; duplicates inside a batch count once.
    const overlapping = [...events.slice(5, 20), events[15] as AuditEvent];
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, overlapping)).toMatchObject({
      ok: true,
      value: { inserted: 10 },
    });
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({ ok: true, checked: 20 });
  });

  it("stores text holding COPY's delimiters and escapes exactly as sent, and the chain verifies", async () => {
    const gw = await newGateway();
    const odd = [
      "tab\there",
      "line\nbreak",
      "carriage\rreturn",
      "back\\slash",
      "\\N",
      "\\",
      "ünïcødé 🚀 中文",
      "",
    ];
    const events = relink(
      makeChain(gw.id, odd.length).map((e, i) => ({
        ...e,
        agent: odd[i] ?? "",
        reason: odd[(i + 1) % odd.length] ?? null,
        path: `/search?q=${odd[(i + 2) % odd.length]}`,
        error_code: odd[(i + 3) % odd.length] ?? null,
      })),
    );
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events)).toMatchObject({
      ok: true,
      value: { inserted: odd.length },
    });
    for (const event of events) {
      const stored = await repos.audit.findByEventId(org.id, event.id);
      expect(stored).not.toBeNull();
      const { org_id: _o, received_at: _r, ...body } = stored as AuditEventRecord;
      expect(body).toEqual(event);
    }
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({ ok: true, checked: odd.length });
  });

  it("stores a batch that arrives out of order in chain order (the surrogate id follows seq)", async () => {
    const gw = await newGateway();
    const events = [...makeChain(gw.id, 12), ...makeChain(`${gw.id}:run-2`, 5)];
    const shuffled = [...events].sort((a, b) => a.hash.localeCompare(b.hash));
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, shuffled)).toMatchObject({
      ok: true,
      value: { inserted: 17 },
    });
    const rows = await opened.db.prisma.auditEvent.findMany({
      where: { gatewayId: gw.id },
      orderBy: { id: "asc" },
      select: { chainId: true, seq: true },
    });
    expect(rows.map((r) => `${r.chainId}#${r.seq}`)).toEqual(events.map((e) => `${e.gateway_id}#${e.seq}`));
  });

  it("refuses a NUL (Postgres text cannot hold one) with the database's error, and stores nothing of the batch", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 3);
    const withNul = relink(events.map((e, i) => (i === 1 ? { ...e, agent: "bad\u0000agent" } : e)));
    await expect(repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, withNul)).rejects.toThrow();
    expect(await storedOf(withNul)).toBe(0);
  });

  it("keeps the exact timestamp text the gateway hashed (offsets, microseconds)", async () => {
    const gw = await newGateway();
    const stamps = ["2030-03-01T12:00:00.123456+02:00", "2030-03-01T10:00:01Z", "2030-03-01T10:00:01.5Z"];
    const events = makeChain(gw.id, 3, undefined, (i) => stamps[i] ?? "");
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const page = await repos.audit.query({ orgId: org.id, gatewayId: gw.id });
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.value.events.map((e) => e.ts)).toEqual([stamps[2], stamps[1], stamps[0]]);
    const {
      org_id: _org,
      received_at: _received,
      ...first
    } = page.value.events[2] as (typeof page.value.events)[number];
    expect(first).toEqual(events[0]);
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({ ok: true, checked: 3 });
  });

  it("verifyChain reports a tampered row at its seq, a relinked row at the next, and a deleted row as a gap", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 60);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const prisma = opened.db.prisma;

    await prisma.auditEvent.updateMany({
      where: { gatewayId: gw.id, seq: 37n },
      data: { decision: "allow", reason: null },
    });
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({
      ok: false,
      seq: 37,
      eventId: events[36]?.id,
      kind: "hash_mismatch",
      checked: 36,
    });

    // An attacker who also rewrites the row's own hash still breaks the link to seq 38.
    const row = await repos.audit.findByEventId(org.id, events[36]?.id ?? "");
    if (row === null) throw new Error("row missing");
    const { org_id: _o, received_at: _r, hash: _h, ...body } = row;
    const rehashed = createHash("sha256").update(auditHashInput(body)).digest("hex");
    await prisma.auditEvent.updateMany({ where: { gatewayId: gw.id, seq: 37n }, data: { hash: rehashed } });
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({
      ok: false,
      seq: 38,
      kind: "prev_hash_mismatch",
    });

    await prisma.auditEvent.deleteMany({ where: { gatewayId: gw.id, seq: { in: [37n, 38n] } } });
    expect(await repos.audit.verifyChain(org.id, gw.id, { pageSize: 7 })).toMatchObject({
      ok: false,
      seq: 39,
      kind: "seq_gap",
    });
  });

  it("refuses events of another gateway, a gateway of another org, and a forked seq", async () => {
    const gw = await newGateway();
    const foreignGw = await newGateway(otherOrg.id);
    const events = makeChain(gw.id, 5);
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: foreignGw.id }, events)).toMatchObject({
      ok: false,
      code: "gateway_mismatch",
    });
    expect(await repos.audit.insertBatch({ orgId: otherOrg.id, gatewayId: gw.id }, events)).toEqual({
      ok: false,
      code: "unknown_gateway",
      message: `gateway \`${gw.id}\` does not exist in organization \`${otherOrg.id}\``,
    });
    expect(await storedOf(events)).toBe(0);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const fork = makeChain(gw.id, 2, {
      seq: 5,
      prevHash: events[3]?.hash ?? "",
      startMs: Date.UTC(2030, 1, 1),
    });
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, fork)).toMatchObject({
      ok: false,
      code: "seq_conflict",
    });
    expect(await repos.audit.lastSeq(org.id, gw.id)).toBe(5);
    expect(await repos.audit.findByEventId(org.id, fork[1]?.id ?? "")).toBeNull();
  });

  /** How many of these events are stored, in any organization. */
  async function storedOf(events: AuditEvent[]): Promise<number> {
    return opened.db.prisma.auditEvent.count({ where: { eventId: { in: events.map((e) => e.id) } } });
  }

  it("refuses a batch for a gateway that does not exist, naming it, and stores nothing", async () => {
    const missing = `gw_${unique()}missing`;
    const events = makeChain(`${missing}:run-1`, 3);
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: missing }, events)).toEqual({
      ok: false,
      code: "unknown_gateway",
      message: `gateway \`${missing}\` does not exist in organization \`${org.id}\``,
    });
    expect(await storedOf(events)).toBe(0);
  });

  it("deleting a gateway deletes its events and no other's; moving it to another organization moves them", async () => {
    const gone = await newGateway();
    const kept = await newGateway();
    const goneEvents = [...makeChain(gone.id, 3), ...makeChain(`${gone.id}:run-2`, 2)];
    const keptEvents = makeChain(kept.id, 4);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gone.id }, goneEvents);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: kept.id }, keptEvents);
    expect(await storedOf(goneEvents)).toBe(5);

    await opened.db.prisma.gateway.delete({ where: { id: gone.id } });
    expect(await storedOf(goneEvents)).toBe(0);
    expect(await storedOf(keptEvents)).toBe(4);

    await opened.db.prisma.gateway.update({ where: { id: kept.id }, data: { orgId: otherOrg.id } });
    expect(await repos.audit.lastSeq(otherOrg.id, kept.id)).toBe(4);
    expect(await repos.audit.lastSeq(org.id, kept.id)).toBeNull();
    expect(await repos.audit.verifyChain(otherOrg.id, kept.id)).toMatchObject({ ok: true, checked: 4 });
  });

  it("through Prisma (as repositories of a transaction run it) the insert answers the same and joins the transaction", async () => {
    const gw = await newGateway();
    const scope = { orgId: org.id, gatewayId: gw.id };
    const events = makeChain(gw.id, 10);
    const byDecision: Record<string, number> = {};
    for (const e of events) byDecision[e.decision] = (byDecision[e.decision] ?? 0) + 1;

    const rolledBack = withTransaction(opened.db.prisma, async (tx) => {
      expect(await tx.audit.insertBatch(scope, events)).toEqual({
        ok: true,
        value: { inserted: 10, byDecision },
      });
      throw new Error("roll back");
    });
    await expect(rolledBack).rejects.toThrow("roll back");
    expect(await storedOf(events)).toBe(0);

    const viaPrisma = createRepositories(opened.db.prisma).audit;
    expect(await viaPrisma.insertBatch(scope, events)).toEqual({
      ok: true,
      value: { inserted: 10, byDecision },
    });
    expect(await viaPrisma.insertBatch(scope, events)).toEqual({
      ok: true,
      value: { inserted: 0, byDecision: {} },
    });
    const fork = makeChain(gw.id, 1, {
      seq: 10,
      prevHash: events[8]?.hash ?? "",
      startMs: Date.UTC(2031, 0, 1),
    });
    expect(await viaPrisma.insertBatch(scope, fork)).toMatchObject({ ok: false, code: "seq_conflict" });
    const missing = `gw_${unique()}missing`;
    expect(
      await viaPrisma.insertBatch({ orgId: org.id, gatewayId: missing }, makeChain(missing, 1)),
    ).toMatchObject({ ok: false, code: "unknown_gateway" });
    expect(await repos.audit.verifyChain(org.id, gw.id)).toMatchObject({ ok: true, checked: 10 });
  });

  it("queries newest first with filters, and keyset pages neither skip nor repeat (even on equal timestamps)", async () => {
    const gw = await newGateway();
    // Groups of three events share a timestamp, so pages must break ties by id.
    const events = makeChain(gw.id, 90, undefined, (i) =>
      new Date(Date.UTC(2030, 4, 1) + Math.floor(i / 3) * 1000).toISOString(),
    );
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await repos.audit.query({ orgId: org.id, gatewayId: gw.id, limit: 7, cursor });
      if (!page.ok) throw new Error(page.message);
      seen.push(...page.value.events.map((e) => e.id));
      if (page.value.nextCursor === null) break;
      cursor = page.value.nextCursor;
    }
    expect(seen).toEqual([...events].reverse().map((e) => e.id));

    const q = async (filters: Record<string, unknown>) => {
      const page = await repos.audit.query({ orgId: org.id, gatewayId: gw.id, limit: 1000, ...filters });
      if (!page.ok) throw new Error(page.message);
      return page.value.events;
    };
    const expectSame = async (filters: Record<string, unknown>, keep: (e: AuditEvent) => boolean) => {
      const got = await q(filters);
      const want = events.filter(keep);
      expect(got.map((e) => e.id)).toEqual([...want].reverse().map((e) => e.id));
      expect(want.length).toBeGreaterThan(0);
    };
    await expectSame({ decision: ["deny"] }, (e) => e.decision === "deny");
    await expectSame({ decision: ["deny", "error"] }, (e) => e.decision === "deny" || e.decision === "error");
    await expectSame({ agent: "coder" }, (e) => e.agent === "coder");
    await expectSame({ connector: "stripe" }, (e) => e.connector === "stripe");
    await expectSame({ action: "github.pr.*" }, (e) => e.action_type?.startsWith("github.pr.") === true);
    await expectSame({ action: "github.repo.delete" }, (e) => e.action_type === "github.repo.delete");
    await expectSame({ action: "*.create" }, (e) => e.action_type?.endsWith(".create") === true);
    await expectSame({ status: 403 }, (e) => e.status === 403);
    const from = events[30]?.ts ?? "";
    const to = events[60]?.ts ?? "";
    await expectSame({ from, to }, (e) => e.ts >= from && e.ts < to);
    await expectSame(
      { agent: "support", decision: ["allow"], from },
      (e) => e.agent === "support" && e.decision === "allow" && e.ts >= from,
    );
    expect(await q({ action: "github_pr%" })).toEqual([]);

    const orgWide = await repos.audit.query({ orgId: org.id, limit: 1000 });
    expect(orgWide.ok && orgWide.value.events.some((e) => e.gateway_id === gw.id)).toBe(true);
    const otherView = await repos.audit.query({ orgId: otherOrg.id, gatewayId: gw.id });
    expect(otherView).toEqual({ ok: true, value: { events: [], nextCursor: null } });
    expect(await repos.audit.query({ orgId: org.id, cursor: "not-a-cursor" })).toMatchObject({
      ok: false,
      code: "bad_cursor",
    });
  });

  it("each gateway run's chain (`<gateway id>:<run id>`) is stored, numbered and verified on its own", async () => {
    const gw = await newGateway();
    const runA = makeChain(`${gw.id}:run-a`, 30, {
      seq: 0,
      prevHash: auditGenesisHash,
      startMs: Date.UTC(2030, 4, 1),
    });
    const runB = makeChain(`${gw.id}:run-b`, 20, {
      seq: 0,
      prevHash: auditGenesisHash,
      startMs: Date.UTC(2030, 4, 2),
    });
    const mixed = [...runA.slice(0, 10), ...runB, ...runA.slice(10)];
    const result = await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, mixed);
    expect(result).toMatchObject({ ok: true, value: { inserted: 50 } });
    if (!result.ok) return;
    const expectedByDecision: Record<string, number> = {};
    for (const e of mixed) expectedByDecision[e.decision] = (expectedByDecision[e.decision] ?? 0) + 1;
    expect(result.value.byDecision).toEqual(expectedByDecision);

    expect(await repos.audit.verifyChain(org.id, `${gw.id}:run-a`)).toMatchObject({
      ok: true,
      checked: 30,
      lastSeq: 29,
    });
    expect(await repos.audit.verifyChain(org.id, `${gw.id}:run-b`)).toMatchObject({
      ok: true,
      checked: 20,
      lastSeq: 19,
    });
    expect(await repos.audit.lastSeq(org.id, `${gw.id}:run-b`)).toBe(19);
    expect(await repos.audit.listChains(org.id, gw.id)).toEqual([
      { chainId: `${gw.id}:run-a`, events: 30, firstSeq: 0, lastSeq: 29 },
      { chainId: `${gw.id}:run-b`, events: 20, firstSeq: 0, lastSeq: 19 },
    ]);
    // Stored events keep the chain id they were hashed with; the gateway column is the gateway.
    const page = await repos.audit.query({ orgId: org.id, gatewayId: gw.id, limit: 1000 });
    expect(page.ok && page.value.events.length).toBe(50);
    expect((await repos.audit.findByEventId(org.id, runB[3]?.id ?? ""))?.gateway_id).toBe(`${gw.id}:run-b`);

    // A chain id that only looks like this gateway's (no `:` separator) is another gateway's.
    const lookalike = makeChain(`${gw.id}x`, 1);
    expect(await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, lookalike)).toMatchObject({
      ok: false,
      code: "gateway_mismatch",
    });
  });

  it("countStored tells a gateway which shipped seq ranges are durable, and only for its own chains", async () => {
    const gw = await newGateway();
    const other = await newGateway();
    const chain = `${gw.id}:r1`;
    const events = makeChain(chain, 40, {
      seq: 0,
      prevHash: auditGenesisHash,
      startMs: Date.UTC(2030, 5, 1),
    });
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, [
      ...events.slice(0, 10),
      ...events.slice(20, 40),
    ]);
    expect(
      await repos.audit.countStored({ orgId: org.id, gatewayId: gw.id }, [
        { chainId: chain, fromSeq: 0, toSeq: 9 },
        { chainId: chain, fromSeq: 5, toSeq: 24 },
        { chainId: chain, fromSeq: 20, toSeq: 39 },
        { chainId: chain, fromSeq: 40, toSeq: 49 },
      ]),
    ).toEqual([
      { chainId: chain, fromSeq: 0, toSeq: 9, stored: 10 },
      { chainId: chain, fromSeq: 5, toSeq: 24, stored: 10 },
      { chainId: chain, fromSeq: 20, toSeq: 39, stored: 20 },
      { chainId: chain, fromSeq: 40, toSeq: 49, stored: 0 },
    ]);
    expect(
      await repos.audit.countStored({ orgId: org.id, gatewayId: other.id }, [
        { chainId: chain, fromSeq: 0, toSeq: 9 },
      ]),
    ).toEqual([{ chainId: chain, fromSeq: 0, toSeq: 9, stored: 0 }]);
    expect(
      await repos.audit.countStored({ orgId: otherOrg.id, gatewayId: gw.id }, [
        { chainId: chain, fromSeq: 0, toSeq: 9 },
      ]),
    ).toEqual([{ chainId: chain, fromSeq: 0, toSeq: 9, stored: 0 }]);
  });

  it("countUnreviewed counts events no mark covers, per gateway and org-wide, never another org's", async () => {
    const lonelyOrg = await repos.organizations.create({ name: "C", slug: `c-${unique()}` });
    if (!lonelyOrg.ok) throw new Error(lonelyOrg.message);
    const orgId = lonelyOrg.value.id;
    const gw1 = await newGateway(orgId);
    const gw2 = await newGateway(orgId);
    const e1 = makeChain(gw1.id, 10);
    const e2 = makeChain(gw2.id, 4);
    await repos.audit.insertBatch({ orgId, gatewayId: gw1.id }, e1);
    await repos.audit.insertBatch({ orgId, gatewayId: gw2.id }, e2);
    expect(await repos.audit.countUnreviewed(orgId)).toBe(14);
    await repos.reviewMarks.markRange({
      orgId,
      gatewayId: gw1.id,
      chainId: gw1.id,
      fromSeq: 1,
      toSeq: 5,
      reviewerUserId: "usr_rev00001",
    });
    await repos.reviewMarks.markEvent({
      orgId,
      gatewayId: gw1.id,
      eventId: e1[9]?.id ?? "",
      reviewerUserId: "usr_rev00001",
    });
    await repos.reviewMarks.markEvent({
      orgId,
      gatewayId: gw1.id,
      eventId: e1[2]?.id ?? "",
      reviewerUserId: "usr_rev00001",
    });
    expect(await repos.audit.countUnreviewed(orgId, { gatewayId: gw1.id })).toBe(4);
    expect(await repos.audit.countUnreviewed(orgId, { gatewayId: gw2.id })).toBe(4);
    expect(await repos.audit.countUnreviewed(orgId)).toBe(8);
    expect(await repos.audit.countUnreviewed(orgId, { gatewayId: (await newGateway()).id })).toBe(0);
  });

  it("the unreviewed filter composes with the other filters and keyset pages: nothing missed or repeated", async () => {
    const gw = await newGateway();
    const neighbour = await newGateway();
    // Pairs of events share a timestamp, so pages must break ties by id under the filter too.
    const events = makeChain(gw.id, 60, undefined, (i) =>
      new Date(Date.UTC(2031, 1, 1) + Math.floor(i / 2) * 1000).toISOString(),
    );
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: neighbour.id }, makeChain(neighbour.id, 60));
    const reviewer = "usr_rev00001";
    await repos.reviewMarks.markRange({
      orgId: org.id,
      gatewayId: gw.id,
      chainId: gw.id,
      fromSeq: 10,
      toSeq: 25,
      reviewerUserId: reviewer,
    });
    for (const seq of [3, 40, 41]) {
      const marked = await repos.reviewMarks.markEvent({
        orgId: org.id,
        gatewayId: gw.id,
        eventId: events[seq - 1]?.id ?? "",
        reviewerUserId: reviewer,
      });
      expect(marked.ok).toBe(true);
    }
    // A range on another gateway covers none of this gateway's seq numbers.
    await repos.reviewMarks.markRange({
      orgId: org.id,
      gatewayId: neighbour.id,
      chainId: neighbour.id,
      fromSeq: 1,
      toSeq: 60,
      reviewerUserId: reviewer,
    });
    const reviewed = (e: AuditEvent) => (e.seq >= 10 && e.seq <= 25) || [3, 40, 41].includes(e.seq);

    const pageThrough = async (filters: Record<string, unknown>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await repos.audit.query({
          orgId: org.id,
          gatewayId: gw.id,
          limit: 4,
          unreviewed: true,
          cursor,
          ...filters,
        });
        if (!page.ok) throw new Error(page.message);
        seen.push(...page.value.events.map((e) => e.id));
        if (page.value.nextCursor === null) return seen;
        cursor = page.value.nextCursor;
      }
      throw new Error("too many pages");
    };
    const want = (keep: (e: AuditEvent) => boolean) =>
      events
        .filter((e) => !reviewed(e) && keep(e))
        .reverse()
        .map((e) => e.id);

    const all = await pageThrough({});
    expect(all).toEqual(want(() => true));
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(60 - 16 - 3);
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id })).toBe(41);

    expect(await pageThrough({ decision: ["allow"] })).toEqual(want((e) => e.decision === "allow"));
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id, decision: ["allow"] })).toBe(
      want((e) => e.decision === "allow").length,
    );
    const from = events[20]?.ts ?? "";
    const to = events[50]?.ts ?? "";
    expect(await pageThrough({ agent: "coder", from, to })).toEqual(
      want((e) => e.agent === "coder" && e.ts >= from && e.ts < to),
    );
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id, agent: "coder", from, to })).toBe(
      want((e) => e.agent === "coder" && e.ts >= from && e.ts < to).length,
    );
    // Everything on the neighbour is covered; another organization sees nothing.
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: neighbour.id })).toBe(0);
    expect(await repos.audit.query({ orgId: otherOrg.id, gatewayId: gw.id, unreviewed: true })).toEqual({
      ok: true,
      value: { events: [], nextCursor: null },
    });
    // Without the filter the reviewed events are still listed.
    const everything = await repos.audit.query({
      orgId: org.id,
      gatewayId: gw.id,
      limit: 1000,
      unreviewed: false,
    });
    expect(everything.ok && everything.value.events.length).toBe(60);
  });

  it("stats aggregates a window in SQL: per minute by decision, top actions and agents, per gateway", async () => {
    const statsOrg = await repos.organizations.create({ name: "S", slug: `s-${unique()}` });
    if (!statsOrg.ok) throw new Error(statsOrg.message);
    const orgId = statsOrg.value.id;
    const gw1 = await newGateway(orgId);
    const gw2 = await newGateway(orgId);
    const from = new Date(Date.UTC(2031, 2, 1, 10, 0));
    const to = new Date(Date.UTC(2031, 2, 1, 10, 30));
    // From two minutes before the window to a few minutes after it, 11 s apart (and 7 s on gw2).
    const e1 = makeChain(gw1.id, 200, undefined, (i) =>
      new Date(from.getTime() - 120_000 + i * 11_000).toISOString(),
    );
    const e2 = makeChain(gw2.id, 90, undefined, (i) =>
      new Date(from.getTime() + 3_000 + i * 7_000).toISOString(),
    );
    await repos.audit.insertBatch({ orgId, gatewayId: gw1.id }, e1);
    await repos.audit.insertBatch({ orgId, gatewayId: gw2.id }, e2);
    // Another organization's events in the same window are never counted.
    const foreign = await newGateway(otherOrg.id);
    await repos.audit.insertBatch(
      { orgId: otherOrg.id, gatewayId: foreign.id },
      makeChain(foreign.id, 50, undefined, (i) => new Date(from.getTime() + i * 1000).toISOString()),
    );

    const expected = (events: AuditEvent[], top: number) => {
      const inWindow = events.filter(
        (e) => Date.parse(e.ts) >= from.getTime() && Date.parse(e.ts) < to.getTime(),
      );
      const perMinute = new Map<number, Partial<Record<string, number>>>();
      for (const e of inWindow) {
        const minuteMs = Math.floor(Date.parse(e.ts) / 60_000) * 60_000;
        const counts = perMinute.get(minuteMs) ?? {};
        counts[e.decision] = (counts[e.decision] ?? 0) + 1;
        perMinute.set(minuteMs, counts);
      }
      const groups = (keyOf: (e: AuditEvent) => string | null) => {
        const out = new Map<
          string,
          { key: string; total: number; denied: number; held: number; allowed: number }
        >();
        for (const e of inWindow) {
          const key = keyOf(e);
          if (key === null) continue;
          const g = out.get(key) ?? { key, total: 0, denied: 0, held: 0, allowed: 0 };
          g.total += 1;
          if (e.decision === "deny") g.denied += 1;
          if (e.decision === "require_approval") g.held += 1;
          if (e.decision === "allow") g.allowed += 1;
          out.set(key, g);
        }
        return [...out.values()].sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1));
      };
      return {
        inWindow: inWindow.length,
        perMinute: [...perMinute.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([minuteMs, counts]) => ({ minuteMs, counts })),
        topActions: groups((e) => e.action_type).slice(0, top),
        topAgents: groups((e) => e.agent).slice(0, top),
        gateways: groups((e) => (e.gateway_id === gw1.id ? gw1.id : gw2.id)).sort((a, b) =>
          a.key < b.key ? -1 : 1,
        ),
      };
    };

    const orgWide = await repos.audit.stats(orgId, { from, to, top: 2 });
    const want = expected([...e1, ...e2], 2);
    expect(want.inWindow).toBeGreaterThan(200);
    expect(want.inWindow).toBeLessThan(290);
    const { inWindow: _n, ...wantStats } = want;
    expect(orgWide).toEqual(wantStats);
    expect(orgWide.topActions).toHaveLength(2);

    const one = await repos.audit.stats(orgId, { gatewayId: gw2.id, from, to, top: 10 });
    const { inWindow: _m, ...wantOne } = expected(e2, 10);
    expect(one).toEqual(wantOne);
    expect(one.gateways.map((g) => g.key)).toEqual([gw2.id]);

    // Another organization's gateway id names nothing in this one.
    expect(await repos.audit.stats(orgId, { gatewayId: foreign.id, from, to, top: 5 })).toEqual({
      perMinute: [],
      topActions: [],
      topAgents: [],
      gateways: [],
    });
  });

  it("ingestLag reports event-to-storage seconds over the newest events", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 5, { seq: 1, prevHash: auditGenesisHash, startMs: Date.now() - 3000 });
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const lag = await repos.audit.ingestLag({ sample: 5 });
    expect(lag?.sampled).toBe(5);
    // Events were stamped 3 s (minus 0..4 s of spacing) before they were stored.
    expect(lag?.max).toBeGreaterThan(2.5);
    expect(lag?.p50).toBeLessThanOrEqual(lag?.p95 ?? 0);
  });

  it("review marks: single events and seq ranges, found for the events they cover, scoped by org", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 10);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const single = await repos.reviewMarks.markEvent({
      orgId: org.id,
      gatewayId: gw.id,
      eventId: events[2]?.id ?? "",
      reviewerUserId: "usr_rev00001",
      comment: "expected",
    });
    expect(single).toMatchObject({ ok: true, value: { eventId: events[2]?.id, fromSeq: null } });
    expect(
      await repos.reviewMarks.markEvent({
        orgId: otherOrg.id,
        gatewayId: gw.id,
        eventId: events[2]?.id ?? "",
        reviewerUserId: "usr_x0000000",
      }),
    ).toMatchObject({ ok: false, code: "not_found" });
    const range = await repos.reviewMarks.markRange({
      orgId: org.id,
      gatewayId: gw.id,
      chainId: gw.id,
      fromSeq: 1,
      toSeq: 5,
      reviewerUserId: "usr_rev00001",
    });
    expect(range).toMatchObject({ ok: true, value: { fromSeq: 1, toSeq: 5 } });
    expect(
      await repos.reviewMarks.markRange({
        orgId: org.id,
        gatewayId: gw.id,
        chainId: gw.id,
        fromSeq: 5,
        toSeq: 1,
        reviewerUserId: "u",
      }),
    ).toMatchObject({
      ok: false,
      code: "invalid",
    });
    const forThird = await repos.reviewMarks.forEvent(org.id, gw.id, {
      eventId: events[2]?.id ?? "",
      chainId: gw.id,
      seq: 3,
    });
    expect(forThird).toHaveLength(2);
    expect(
      await repos.reviewMarks.forEvent(org.id, gw.id, {
        eventId: events[8]?.id ?? "",
        chainId: gw.id,
        seq: 9,
      }),
    ).toEqual([]);
    expect(await repos.reviewMarks.list(org.id, gw.id)).toHaveLength(2);
    expect(await repos.reviewMarks.list(otherOrg.id, gw.id)).toEqual([]);
  });

  it("a range mark covers its own chain only: another run of the gateway with the same seq numbers stays unreviewed", async () => {
    const gw = await newGateway();
    const runA = `${gw.id}:run${unique()}`;
    const runB = `${gw.id}:run${unique()}`;
    const startMs = Date.UTC(2032, 0, 1);
    const a = makeChain(runA, 8, { seq: 0, prevHash: auditGenesisHash, startMs });
    const b = makeChain(runB, 8, { seq: 0, prevHash: auditGenesisHash, startMs: startMs + 60_000 });
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, [...a, ...b]);
    const marked = await repos.reviewMarks.markRange({
      orgId: org.id,
      gatewayId: gw.id,
      chainId: runA,
      fromSeq: 0,
      toSeq: 7,
      reviewerUserId: "usr_rev00001",
    });
    expect(marked).toMatchObject({ ok: true, value: { chainId: runA, fromSeq: 0, toSeq: 7 } });

    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id })).toBe(8);
    const unreviewed = await repos.audit.query({ orgId: org.id, gatewayId: gw.id, unreviewed: true });
    expect(unreviewed.ok && unreviewed.value.events.map((e) => e.id)).toEqual(b.map((e) => e.id).reverse());
    const page = await repos.audit.queryWithReview({ orgId: org.id, gatewayId: gw.id });
    if (!page.ok) throw new Error(page.message);
    expect(page.value.events.map((e) => [e.gateway_id, e.seq, e.reviewed])).toEqual(
      [...a.map((e) => [runA, e.seq, true]), ...b.map((e) => [runB, e.seq, false])].reverse(),
    );
    expect(
      await repos.reviewMarks.forEvent(org.id, gw.id, { eventId: b[2]?.id ?? "", chainId: runB, seq: 2 }),
    ).toEqual([]);
    expect(
      await repos.reviewMarks.forEvent(org.id, gw.id, { eventId: a[2]?.id ?? "", chainId: runA, seq: 2 }),
    ).toHaveLength(1);

    // Only chains of the gateway: not another gateway's, not a look-alike prefix.
    const neighbour = await newGateway();
    for (const chainId of [neighbour.id, `${gw.id}x:run`, `${gw.id}:`]) {
      expect(
        await repos.reviewMarks.markRange({
          orgId: org.id,
          gatewayId: gw.id,
          chainId,
          fromSeq: 0,
          toSeq: 7,
          reviewerUserId: "usr_rev00001",
        }),
        chainId,
      ).toMatchObject({ ok: false, code: "invalid" });
    }
  });

  it("markEvents marks exactly the events named, all or none, only the gateway's", async () => {
    const gw = await newGateway();
    const neighbour = await newGateway();
    const events = makeChain(gw.id, 12);
    const theirs = makeChain(neighbour.id, 2);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: neighbour.id }, theirs);
    const picked = [events[1], events[4], events[9]].map((e) => e?.id ?? "");
    const reviewer = "usr_rev00002";
    for (const eventIds of [
      [...picked, theirs[0]?.id ?? ""],
      [picked[0] ?? "", "evt_missing0001"],
    ]) {
      expect(
        await repos.reviewMarks.markEvents({
          orgId: org.id,
          gatewayId: gw.id,
          eventIds,
          reviewerUserId: reviewer,
        }),
      ).toMatchObject({ ok: false, code: "not_found" });
    }
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id })).toBe(12);
    expect(
      await repos.reviewMarks.markEvents({
        orgId: org.id,
        gatewayId: gw.id,
        eventIds: [],
        reviewerUserId: reviewer,
      }),
    ).toMatchObject({ ok: false, code: "invalid" });

    const marked = await repos.reviewMarks.markEvents({
      orgId: org.id,
      gatewayId: gw.id,
      eventIds: [...picked, picked[0] ?? ""],
      reviewerUserId: reviewer,
      comment: "batch",
    });
    if (!marked.ok) throw new Error(marked.message);
    expect(marked.value.map((m) => [m.eventId, m.chainId, m.fromSeq, m.comment])).toEqual(
      picked.map((id) => [id, null, null, "batch"]),
    );
    const page = await repos.audit.queryWithReview({ orgId: org.id, gatewayId: gw.id });
    if (!page.ok) throw new Error(page.message);
    expect(page.value.events.filter((e) => e.reviewed).map((e) => e.id)).toEqual([...picked].reverse());
    expect(await repos.audit.countUnreviewed(org.id, { gatewayId: gw.id })).toBe(9);
  });

  it("queryWithReview: reviewed by the unreviewed filter's own rule, named by the newest covering mark, however many marks are newer", async () => {
    const gw = await newGateway();
    const events = makeChain(gw.id, 700);
    await repos.audit.insertBatch({ orgId: org.id, gatewayId: gw.id }, events);
    const oldest = events[0];
    if (oldest === undefined) throw new Error("no events");
    const first = await repos.reviewMarks.markEvent({
      orgId: org.id,
      gatewayId: gw.id,
      eventId: oldest.id,
      reviewerUserId: "usr_first0001",
    });
    if (!first.ok) throw new Error(first.message);
    // 600 newer marks: more than the 500 newest the dashboard used to fetch to badge rows.
    const newer = await repos.reviewMarks.markEvents({
      orgId: org.id,
      gatewayId: gw.id,
      eventIds: events.slice(100, 700).map((e) => e.id),
      reviewerUserId: "usr_later0001",
    });
    expect(newer.ok).toBe(true);
    await repos.reviewMarks.markRange({
      orgId: org.id,
      gatewayId: gw.id,
      chainId: gw.id,
      fromSeq: 40,
      toSeq: 59,
      reviewerUserId: "usr_range0001",
    });
    expect(
      (await repos.reviewMarks.list(org.id, gw.id, { limit: 500 })).some((m) => m.id === first.value.id),
    ).toBe(false);

    const page = await repos.audit.queryWithReview({ orgId: org.id, gatewayId: gw.id, limit: 1000 });
    if (!page.ok) throw new Error(page.message);
    const rows = page.value.events;
    expect(rows).toHaveLength(700);
    expect(rows.find((e) => e.id === oldest.id)).toMatchObject({
      reviewed: true,
      reviewed_by: "usr_first0001",
      reviewed_at: first.value.createdAt,
    });
    expect(rows.find((e) => e.seq === 50)).toMatchObject({ reviewed: true, reviewed_by: "usr_range0001" });
    expect(rows.find((e) => e.seq === 70)).toMatchObject({
      reviewed: false,
      reviewed_by: null,
      reviewed_at: null,
    });
    expect(rows.find((e) => e.seq === 500)).toMatchObject({ reviewed: true, reviewed_by: "usr_later0001" });
    // The same rule as the filter: the unreviewed rows are exactly what `unreviewed: true` lists.
    const unreviewed = await repos.audit.query({
      orgId: org.id,
      gatewayId: gw.id,
      unreviewed: true,
      limit: 1000,
    });
    if (!unreviewed.ok) throw new Error(unreviewed.message);
    expect(rows.filter((e) => !e.reviewed).map((e) => e.id)).toEqual(
      unreviewed.value.events.map((e) => e.id),
    );
    expect(unreviewed.value.events.map((e) => e.seq)).toEqual(
      events
        .filter((e) => e.seq > 1 && e.seq <= 100 && !(e.seq >= 40 && e.seq <= 59))
        .map((e) => e.seq)
        .reverse(),
    );
    // Paged, with a filter: the review state rides along with every page.
    const denied = await repos.audit.queryWithReview({
      orgId: org.id,
      gatewayId: gw.id,
      decision: ["deny"],
      limit: 7,
    });
    if (!denied.ok) throw new Error(denied.message);
    expect(denied.value.events).toHaveLength(7);
    expect(denied.value.nextCursor).not.toBeNull();
    expect(denied.value.events.every((e) => e.decision === "deny" && e.reviewed)).toBe(true);
  });
});

// PGlite runs one transaction at a time: only Postgres can interleave an insert with a deletion.
describe("audit batch insert racing a gateway deletion on postgres", () => {
  it("a batch that waits on a gateway being deleted is refused once the deletion commits, and leaves no events", async () => {
    const database = await createTestDatabase();
    const db = await createDatabase({ databaseUrl: database.url, poolMax: 3 });
    const deleter = new pg.Client({ connectionString: database.url });
    try {
      await deleter.connect();
      const repos = createRepositories(db.prisma, db.sql);
      const created = await repos.organizations.create({ name: "R", slug: `r-${unique()}` });
      if (!created.ok) throw new Error(created.message);
      const orgId = created.value.id;
      const gw = await repos.gateways.create({
        orgId,
        name: "racing",
        tokenHash: `h-${unique()}`,
        tokenPrefix: "gwtk_1",
      });
      if (!gw.ok) throw new Error(gw.message);
      const events = makeChain(gw.value.id, 50);

      await deleter.query("BEGIN");
      await deleter.query("DELETE FROM gateways WHERE id = $1", [gw.value.id]);
      const insert = repos.audit.insertBatch({ orgId, gatewayId: gw.value.id }, events);
      // The insert is blocked on the gateway's row lock before the deletion commits.
      const deadline = Date.now() + 3000;
      for (;;) {
        if (Date.now() > deadline) throw new Error("the insert never waited for the gateway's row lock");
        const waiting = await db.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (waiting[0]?.n === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await deleter.query("COMMIT");
      expect(await insert).toMatchObject({ ok: false, code: "unknown_gateway" });
      const left = await db.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE gateway_id = $1",
        [gw.value.id],
      );
      expect(left).toEqual([{ n: 0 }]);
    } finally {
      await deleter.end();
      await db.close();
      await database.drop();
    }
  });
});
