import http from "node:http";
import type { AuditEvent } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../../http/server.ts";
import type { JobQueue } from "../../queue/queue.ts";
import { auditCsvColumns } from "../../routers/audit/export-audit-http.ts";
import { appRouter } from "../../routers/index.ts";
import { queueKinds, startTestApi, type Tenant, type TestApi } from "../../testing/api-harness.ts";
import { makeAuditChain } from "../../testing/audit-events.ts";
import { uniqueSuffix } from "../../testing/seed.ts";
import { createTestDeps } from "../../testing/test-deps.ts";
import { waitFor } from "../../testing/wait-for.ts";
import { createGatewaysService } from "../gateways/gateways-service.ts";

describe.each(queueKinds)("audit pipeline on the %s queue", (kind) => {
  let api: TestApi;
  let acme: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await startTestApi(kind);
    acme = await api.seedTenant("Acme");
    other = await api.seedTenant("Other");
  });
  afterAll(async () => {
    await api.close();
  });

  const ingest = (token: string | null, body: unknown) => api.gatewayCall(token, "audit.ingest", body);
  const stored = async (orgId: string, gatewayId: string) =>
    (await (await acmeViewer()).audit.list({ orgId, gatewayId, limit: 1000 })).events.length;
  const acmeViewer = () => acme.as("viewer");
  async function storedCount(gatewayId: string): Promise<number> {
    const chains = await api.deps.repos.audit.listChains(acme.orgId, gatewayId);
    return chains.reduce((n, c) => n + c.events, 0);
  }

  it("the same batch sent twice is stored once, and the chain verifies", async () => {
    const { gateway, token } = await acme.newGateway();
    const chainId = `${gateway.id}:run-${uniqueSuffix()}`;
    const events = makeAuditChain(chainId, 300);
    const first = await ingest(token, { gateway_id: gateway.id, events });
    expect(first).toMatchObject({ status: 200, body: { result: { data: { accepted: 300 } } } });
    await waitFor("the batch to be stored", async () => (await storedCount(gateway.id)) === 300);
    const again = await ingest(token, { gateway_id: gateway.id, events });
    expect(again.status).toBe(200);
    // An overlapping batch (half old, half new) adds only the new half.
    const more = makeAuditChain(chainId, 100, { startSeq: 300, prevHash: events.at(-1)?.hash ?? "" });
    expect(
      (await ingest(token, { gateway_id: gateway.id, events: [...events.slice(250), ...more] })).status,
    ).toBe(200);
    await waitFor("the new half", async () => (await storedCount(gateway.id)) === 400);
    // Nothing else arrives later: the duplicate batch has been processed too once its job is gone.
    await waitFor("an empty queue", async () => (await api.deps.queue.depth("audit-ingest")) === 0);
    expect(await storedCount(gateway.id)).toBe(400);
    expect(await stored(acme.orgId, gateway.id)).toBe(400);

    const verified = await (await acme.as("viewer")).audit.verifyChain({
      orgId: acme.orgId,
      gatewayId: gateway.id,
    });
    expect(verified).toEqual({
      ok: true,
      chains: [{ chainId, report: { ok: true, checked: 400, lastSeq: 399, lastHash: more.at(-1)?.hash } }],
    });
  });

  it("each gateway run's chain is verified on its own, and a tampered row is named", async () => {
    const { gateway, token } = await acme.newGateway();
    const runA = makeAuditChain(`${gateway.id}:a`, 20);
    const runB = makeAuditChain(`${gateway.id}:b`, 30);
    const bare = makeAuditChain(gateway.id, 5);
    expect(
      (await ingest(token, { gateway_id: gateway.id, events: [...runA, ...runB, ...bare] })).status,
    ).toBe(200);
    await waitFor("55 events", async () => (await storedCount(gateway.id)) === 55);
    const viewer = await acme.as("viewer");
    const all = await viewer.audit.verifyChain({ orgId: acme.orgId, gatewayId: gateway.id });
    expect(all.ok).toBe(true);
    expect(all.chains.map((c) => [c.chainId, c.report.checked])).toEqual([
      [gateway.id, 5],
      [`${gateway.id}:a`, 20],
      [`${gateway.id}:b`, 30],
    ]);
    expect(await viewer.audit.chains({ orgId: acme.orgId, gatewayId: gateway.id })).toHaveLength(3);

    await api.deps.db.prisma.auditEvent.updateMany({
      where: { chainId: `${gateway.id}:b`, seq: 7n },
      data: { decision: "allow" },
    });
    const broken = await viewer.audit.verifyChain({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      chainId: `${gateway.id}:b`,
    });
    expect(broken).toMatchObject({
      ok: false,
      chains: [
        {
          chainId: `${gateway.id}:b`,
          report: { ok: false, seq: 7, kind: "hash_mismatch", eventId: runB[7]?.id },
        },
      ],
    });
    await expect(
      viewer.audit.verifyChain({
        orgId: acme.orgId,
        gatewayId: gateway.id,
        chainId: `${other.gateway.id}:x`,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("a malformed batch is rejected with one precise line and nothing is queued", async () => {
    const events = makeAuditChain(acme.gateway.id, 3);
    const badHash = { ...events[1], hash: "not-a-hash" };
    const answer = await ingest(acme.gatewayToken, {
      gateway_id: acme.gateway.id,
      events: [events[0], badHash],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^audit batch: `events\[1\]\.hash`: /);
    const empty = await ingest(acme.gatewayToken, { gateway_id: acme.gateway.id, events: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.message).toMatch(/^audit batch: `events`: /);
    const tooMany = makeAuditChain(acme.gateway.id, 5001);
    const big = await ingest(acme.gatewayToken, { gateway_id: acme.gateway.id, events: tooMany });
    expect(big.status).toBe(400);
    expect(big.body.error?.message).toMatch(/^audit batch: `events`: Too big/);
    expect((await ingest(acme.gatewayToken, "not an object")).status).toBe(400);
    // Valid JSON and schema, but not storable: refused rather than acknowledged and lost.
    const withNul = { ...events[2], action_type: "mcp.tool.call\u0000hidden" };
    const nul = await ingest(acme.gatewayToken, { gateway_id: acme.gateway.id, events: [withNul] });
    expect(nul.status).toBe(400);
    expect(nul.body.error?.message).toBe(
      `audit batch: events[0] (\`${withNul.id}\`): \`action_type\` holds a NUL character or an unpaired surrogate, which cannot be stored`,
    );
    const lone = { ...events[2], path: "/x/\ud800" };
    const surrogate = await ingest(acme.gatewayToken, { gateway_id: acme.gateway.id, events: [lone] });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error?.message).toContain("`path` holds a NUL character or an unpaired surrogate");
  });

  it("a gateway token is required, and a gateway can ship only its own events", async () => {
    const events = makeAuditChain(acme.gateway.id, 2);
    expect((await ingest(null, { gateway_id: acme.gateway.id, events })).status).toBe(401);
    expect((await ingest("gwtk_forged", { gateway_id: acme.gateway.id, events })).status).toBe(401);
    // A session (a person) is not a gateway either.
    const asUser = await fetch(`${api.url}/trpc/audit.ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `tf_session=${acme.users.owner.session}` },
      body: JSON.stringify({ gateway_id: acme.gateway.id, events }),
    });
    expect(asUser.status).toBe(401);

    // Another tenant's gateway token naming Acme's gateway: refused, nothing stored.
    const wrongTenant = await ingest(other.gatewayToken, { gateway_id: acme.gateway.id, events });
    expect(wrongTenant.status).toBe(403);
    expect(wrongTenant.body.error?.message).toContain(`is not the calling gateway`);
    // Its own batch id but Acme's events inside.
    const smuggled = await ingest(other.gatewayToken, { gateway_id: other.gateway.id, events });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error?.message).toMatch(/events\[0\].*is neither/);
    // A chain id that merely starts with the gateway id is not its chain.
    const lookalike = makeAuditChain(`${other.gateway.id}x`, 1);
    expect(
      (await ingest(other.gatewayToken, { gateway_id: other.gateway.id, events: lookalike })).status,
    ).toBe(400);
    expect(await api.deps.repos.audit.findByEventId(acme.orgId, events[0]?.id ?? "")).toBeNull();
    expect(await api.deps.repos.audit.findByEventId(other.orgId, events[0]?.id ?? "")).toBeNull();
  });

  it("a revoked gateway's token no longer ingests", async () => {
    const { gateway, token } = await acme.newGateway();
    await (await acme.as("admin")).gateways.revoke({ orgId: acme.orgId, gatewayId: gateway.id });
    const answer = await ingest(token, { gateway_id: gateway.id, events: makeAuditChain(gateway.id, 1) });
    expect(answer.status).toBe(401);
  });

  it("a queued batch for a gateway that does not exist, or not in its organization, fails at once with the reason and stores nothing", async () => {
    // The API queues only batches of the gateway it found by the token, so such a job comes
    // from elsewhere (a gateway deleted since, a hand-made job): the worker checks again.
    const missing = `gw_${uniqueSuffix()}missing`;
    const jobs = [
      { org_id: acme.orgId, gateway_id: missing, events: makeAuditChain(missing, 2) },
      { org_id: acme.orgId, gateway_id: other.gateway.id, events: makeAuditChain(other.gateway.id, 2) },
    ];
    for (const job of jobs) {
      await api.deps.queue.add("audit-ingest", job);
      const reason = `audit insert: gateway \`${job.gateway_id}\` does not exist in organization \`${acme.orgId}\``;
      await waitFor(`the job for \`${job.gateway_id}\` to fail`, () =>
        api.log.lines.some((l) => l.startsWith("error ") && l.includes(reason)),
      );
      // Permanently, on its first attempt: retrying cannot make the gateway exist.
      expect(api.log.lines.filter((l) => l.includes("retry") && l.includes(job.gateway_id))).toEqual([]);
      for (const event of job.events) {
        expect(await api.deps.repos.audit.findByEventId(acme.orgId, event.id)).toBeNull();
        expect(await api.deps.repos.audit.findByEventId(other.orgId, event.id)).toBeNull();
      }
    }
  });

  it("ingestStatus tells the gateway which shipped ranges are stored, only for its own chains", async () => {
    const { gateway, token } = await acme.newGateway();
    const chainId = `${gateway.id}:r`;
    const events = makeAuditChain(chainId, 50);
    await ingest(token, { gateway_id: gateway.id, events: events.slice(0, 30) });
    await waitFor("30 events", async () => (await storedCount(gateway.id)) === 30);
    const status = await api.gatewayCall(
      token,
      "audit.ingestStatus",
      {
        ranges: [
          { chain_id: chainId, from_seq: 0, to_seq: 29 },
          { chain_id: chainId, from_seq: 20, to_seq: 49 },
        ],
      },
      "query",
    );
    expect(status.body.result?.data).toEqual({
      ranges: [
        { chain_id: chainId, from_seq: 0, to_seq: 29, stored: 30, complete: true },
        { chain_id: chainId, from_seq: 20, to_seq: 49, stored: 10, complete: false },
      ],
    });
    const foreign = await api.gatewayCall(
      other.gatewayToken,
      "audit.ingestStatus",
      { ranges: [{ chain_id: chainId, from_seq: 0, to_seq: 29 }] },
      "query",
    );
    expect(foreign.body.result?.data).toMatchObject({ ranges: [{ stored: 0, complete: false }] });
  });

  describe("queries", () => {
    let gw: { id: string };
    let gw2: { id: string };
    let events: AuditEvent[];
    const base = Date.UTC(2031, 0, 1);

    beforeAll(async () => {
      const a = await acme.newGateway();
      const b = await acme.newGateway();
      gw = a.gateway;
      gw2 = b.gateway;
      // 250 events one second apart, the first 14 in pairs sharing a timestamp (keyset ties).
      events = makeAuditChain(`${gw.id}:q`, 250, {
        tsOf: (i) => new Date(base + (i < 14 ? i - (i % 2) : i) * 1000).toISOString(),
      });
      await ingest(a.token, { gateway_id: gw.id, events });
      await ingest(b.token, {
        gateway_id: gw2.id,
        events: makeAuditChain(gw2.id, 40, { startMs: base + 500, stepMs: 1000 }),
      });
      await waitFor(
        "both gateways' events",
        async () => (await storedCount(gw.id)) === 250 && (await storedCount(gw2.id)) === 40,
      );
    });

    it("pages newest first by keyset without skipping or repeating, per gateway and org-wide", async () => {
      const viewer = await acme.as("viewer");
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await viewer.audit.list({
          orgId: acme.orgId,
          gatewayId: gw.id,
          limit: 37,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      const newestFirst = [...events].sort((x, y) => Date.parse(y.ts) - Date.parse(x.ts));
      expect(seen[0]).toBe(newestFirst[0]?.id);

      const orgWide = await viewer.audit.list({
        orgId: acme.orgId,
        from: new Date(base).toISOString(),
        to: new Date(base + 1000 * 300).toISOString(),
        limit: 1000,
      });
      expect(orgWide.events).toHaveLength(290);
      const times = orgWide.events.map((e) => Date.parse(e.ts));
      expect(times).toEqual([...times].sort((x, y) => y - x));
      await expect(viewer.audit.list({ orgId: acme.orgId, cursor: "garbage" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });

    it("filters by time range, agent, connector, action glob, decision and status", async () => {
      const viewer = await acme.as("viewer");
      const q = (f: Record<string, unknown>) =>
        viewer.audit.list({ orgId: acme.orgId, gatewayId: gw.id, limit: 1000, ...f }).then((p) => p.events);
      const expectSame = async (f: Record<string, unknown>, pick: (e: AuditEvent) => boolean) => {
        const got = (await q(f)).map((e) => e.id).sort();
        expect(got, JSON.stringify(f)).toEqual(
          events
            .filter(pick)
            .map((e) => e.id)
            .sort(),
        );
        expect(got.length, JSON.stringify(f)).toBeGreaterThan(0);
      };
      await expectSame({ agent: "billing-bot" }, (e) => e.agent === "billing-bot");
      await expectSame({ connector: "stripe" }, (e) => e.connector === "stripe");
      await expectSame({ action: "github.pr.*" }, (e) => (e.action_type ?? "").startsWith("github.pr."));
      await expectSame({ action: "stripe.refund.create" }, (e) => e.action_type === "stripe.refund.create");
      await expectSame(
        { decision: ["deny", "error"] },
        (e) => e.decision === "deny" || e.decision === "error",
      );
      await expectSame({ status: 200 }, (e) => e.status === 200);
      const from = new Date(base + 100_000).toISOString();
      const to = new Date(base + 150_000).toISOString();
      await expectSame(
        { from, to },
        (e) => Date.parse(e.ts) >= base + 100_000 && Date.parse(e.ts) < base + 150_000,
      );
      await expectSame(
        { agent: "coder", decision: ["allow"], from },
        (e) => e.agent === "coder" && e.decision === "allow" && Date.parse(e.ts) >= base + 100_000,
      );
      // A gateway of another organization is not found, rather than silently empty.
      await expect(
        viewer.audit.list({ orgId: acme.orgId, gatewayId: other.gateway.id }),
      ).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      const one = events[42] as AuditEvent;
      const got = await viewer.audit.get({ orgId: acme.orgId, eventId: one.id });
      expect(got.event).toMatchObject({
        id: one.id,
        hash: one.hash,
        gateway_id: `${gw.id}:q`,
        org_id: acme.orgId,
      });
      await expect(
        (await other.as("owner")).audit.get({ orgId: other.orgId, eventId: one.id }),
      ).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    it("exports CSV and JSONL streamed over HTTP (chunked, page by page) with the same filters", async () => {
      const cookie = `tf_session=${acme.users.viewer.session}`;
      const jsonl = await rawGet(
        `${api.url}/export/audit?orgId=${acme.orgId}&gatewayId=${gw.id}&format=jsonl`,
        cookie,
      );
      expect(jsonl.status).toBe(200);
      expect(jsonl.headers["transfer-encoding"]).toBe("chunked");
      expect(jsonl.headers["content-length"]).toBeUndefined();
      expect(jsonl.headers["content-type"]).toContain("application/x-ndjson");
      const rows = jsonl.body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { id: string; hash: string });
      // The harness pages by 100: 250 rows came from three keyset pages.
      expect(rows).toHaveLength(250);
      expect(new Set(rows.map((r) => r.id)).size).toBe(250);
      expect(jsonl.chunks).toBeGreaterThan(1);

      const csv = await rawGet(
        `${api.url}/export/audit?orgId=${acme.orgId}&format=csv&decision=deny,error&connector=github`,
        cookie,
      );
      expect(csv.status).toBe(200);
      expect(csv.headers["content-disposition"]).toMatch(/^attachment; filename="audit-.*\.csv"$/);
      const lines = csv.body.trimEnd().split("\r\n");
      expect(lines[0]).toBe(auditCsvColumns.join(","));
      const expected = events.filter(
        (e) => (e.decision === "deny" || e.decision === "error") && e.connector === "github",
      );
      const fromGw2 = await api.deps.repos.audit.query({ orgId: acme.orgId, gatewayId: gw2.id, limit: 1000 });
      const expectedGw2 = fromGw2.ok
        ? fromGw2.value.events.filter(
            (e) => (e.decision === "deny" || e.decision === "error") && e.connector === "github",
          )
        : [];
      expect(lines.length - 1).toBeGreaterThanOrEqual(expected.length + expectedGw2.length);

      expect((await rawGet(`${api.url}/export/audit?orgId=${acme.orgId}`, null)).status).toBe(401);
      expect(
        (
          await rawGet(
            `${api.url}/export/audit?orgId=${acme.orgId}`,
            `tf_session=${other.users.owner.session}`,
          )
        ).status,
      ).toBe(404);
      const bad = await rawGet(`${api.url}/export/audit?orgId=${acme.orgId}&format=xml`, cookie);
      expect(bad.status).toBe(400);
      expect(bad.body).toContain("format");
    });
  });

  it("review marks: one event or a range, with comments; unreviewed counts follow; members and up only", async () => {
    const { gateway, token } = await acme.newGateway();
    const events = makeAuditChain(gateway.id, 20);
    await ingest(token, { gateway_id: gateway.id, events });
    await waitFor("20 events", async () => (await storedCount(gateway.id)) === 20);
    const member = await acme.as("member");
    const viewer = await acme.as("viewer");
    expect(await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).toEqual({
      count: 20,
    });
    const single = await member.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      eventId: events[3]?.id,
      comment: "expected: release day",
    });
    expect(single).toMatchObject({
      marks: [
        {
          eventId: events[3]?.id,
          reviewerUserId: acme.users.member.userId,
          comment: "expected: release day",
        },
      ],
    });
    await member.audit.markReviewed({
      orgId: acme.orgId,
      gatewayId: gateway.id,
      chainId: gateway.id,
      fromSeq: 10,
      toSeq: 19,
    });
    expect(await viewer.audit.unreviewedCount({ orgId: acme.orgId, gatewayId: gateway.id })).toEqual({
      count: 9,
    });
    expect(await viewer.audit.reviews({ orgId: acme.orgId, gatewayId: gateway.id })).toHaveLength(2);
    const detail = await viewer.audit.get({ orgId: acme.orgId, eventId: events[12]?.id ?? "" });
    expect(detail.reviews).toMatchObject([{ chainId: gateway.id, fromSeq: 10, toSeq: 19 }]);
    await expect(
      viewer.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, eventId: events[0]?.id }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      member.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, fromSeq: 5 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      member.audit.markReviewed({ orgId: acme.orgId, gatewayId: gateway.id, eventId: "evt_doesnotexist1" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the worker stores several queued jobs in one insert when the queue is deep", async () => {
    const { gateway, token } = await acme.newGateway();
    const before = api.deps.metrics?.auditInserts;
    const insertsBefore = before?.get("inserts") ?? 0;
    const jobsBefore = before?.get("jobs") ?? 0;
    const chain = makeAuditChain(gateway.id, 4000);
    // 40 batches of 100 sent at once: far more jobs than the worker runs at a time.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ingest(token, { gateway_id: gateway.id, events: chain.slice(i * 100, i * 100 + 100) }),
      ),
    );
    await waitFor("4,000 events", async () => (await storedCount(gateway.id)) === 4000, {
      timeoutMs: 30_000,
    });
    const inserts = (api.deps.metrics?.auditInserts.get("inserts") ?? 0) - insertsBefore;
    const jobs = (api.deps.metrics?.auditInserts.get("jobs") ?? 0) - jobsBefore;
    expect(jobs).toBe(40);
    expect(inserts).toBeLessThan(jobs);
    expect(
      (await (await acme.as("viewer")).audit.verifyChain({ orgId: acme.orgId, gatewayId: gateway.id })).ok,
    ).toBe(true);
  });
});

describe("audit ingest when the queue refuses the batch", () => {
  it("answers 503 (retry later) instead of acknowledging a batch the queue did not take", async () => {
    const refused = (): Promise<void> => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    const refusing: JobQueue = {
      kind: "bullmq",
      add: refused,
      addBulk: refused,
      process: () => ({ close: async () => undefined }),
      depth: async () => 0,
      ping: async () => false,
      close: async () => undefined,
    };
    const t = await createTestDeps({ queue: refusing });
    const server = await startApiServer(t.deps, appRouter, { host: "127.0.0.1", port: 0 });
    try {
      const org = await t.deps.repos.organizations.create({ name: "Q", slug: `q-${uniqueSuffix()}` });
      if (!org.ok) throw new Error(org.message);
      const { gateway, token } = await createGatewaysService(t.deps).create(
        { orgId: org.value.id, userId: "usr_system00", role: "owner" },
        { name: "gw" },
      );
      const response = await fetch(`${server.url}/trpc/audit.ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ gateway_id: gateway.id, events: makeAuditChain(gateway.id, 2) }),
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toBe("audit batch: the ingest queue is unavailable, retry later");
      expect(JSON.stringify(body)).not.toContain("ECONNREFUSED");
      // /readyz reports the queue down.
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
      await t.cleanup();
    }
  });
});

function rawGet(
  url: string,
  cookie: string | null,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: cookie === null ? {} : { cookie } }, (res) => {
      let body = "";
      let chunks = 0;
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        chunks += 1;
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}
