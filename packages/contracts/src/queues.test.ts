import { describe, expect, it } from "vitest";
import {
  type AuditEvent,
  type AuditEventBody,
  auditGenesisHash,
  storableText,
  unstorableTextField,
} from "./audit.ts";
import { auditIngestJob, auditIngestJobSchema, parseAuditIngestJob } from "./queues.ts";

/**
 * A linked chain of `count` events, with every optional field both set and null somewhere.
 * The codec never recomputes hashes, so each `hash` is just a distinct hex string here.
 */
function chain(chainId: string, count: number, startSeq = 0, prevHash = auditGenesisHash): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = prevHash;
  for (let i = 0; i < count; i++) {
    const seq = startSeq + i;
    const body: AuditEventBody = {
      id: `evt_${chainId.replace(/[^A-Za-z0-9]/g, "")}${seq.toString().padStart(6, "0")}`,
      gateway_id: chainId,
      seq,
      ts: new Date(Date.UTC(2030, 0, 1) + seq).toISOString(),
      agent: i % 2 === 0 ? "coder" : "billing\tbot",
      connector: i % 3 === 0 ? null : "github",
      action_type: i % 3 === 0 ? null : "github.pr.merge",
      decision: i % 2 === 0 ? "allow" : "deny",
      enforced: i % 2 === 0 ? "allow" : null,
      mode: i % 2 === 0 ? "full" : null,
      reason: i % 2 === 0 ? null : "main is protected",
      rule: i % 2 === 0 ? null : "protect-main",
      risk: i % 2 === 0 ? "high" : null,
      risk_score: i % 2 === 0 ? 12.5 : null,
      status: i % 2 === 0 ? 200 : null,
      latency_ms: i % 2 === 0 ? 3.25 : null,
      method: "POST",
      host: "api.github.com",
      path: `/repos/acme/app/pulls/${seq}/merge`,
      request_id: `req_${seq}`,
      approval_id: i % 5 === 0 ? `apv_${seq}` : null,
      error_code: null,
      bytes_in: i % 2 === 0 ? 512 : null,
      bytes_out: i % 2 === 0 ? 0 : null,
      prev_hash: prev,
    };
    const hash = `${chainId.length}${seq}`.padStart(64, "0");
    events.push({ ...body, hash });
    prev = hash;
  }
  return events;
}

/** The job as the worker receives it from Redis: through JSON. */
const viaQueue = (job: unknown): unknown => JSON.parse(JSON.stringify(job));

describe("audit-ingest job v2", () => {
  it("gives back exactly the events queued: interleaved chains, a chain resumed, a gap in one", () => {
    const a = chain("gw_a", 6);
    const b = chain("gw_a:run2", 4);
    const events = [...a.slice(0, 3), ...b.slice(0, 2), ...a.slice(3), ...b.slice(3)];
    const job = auditIngestJob("org_1", "gw_a", events);
    expect(auditIngestJobSchema.safeParse(viaQueue(job)).success).toBe(true);
    expect(parseAuditIngestJob(viaQueue(job))).toEqual({
      ok: true,
      value: { org_id: "org_1", gateway_id: "gw_a", events },
    });
    // The chain is named only where it changes, and prev_hash only where the chain is not
    // continued by the row before (a switch of chain, or b.slice(3) after b[1]).
    expect(job.rows.map((r) => (r[1] === null ? "-" : r[1]))).toEqual([
      "gw_a",
      "-",
      "-",
      "gw_a:run2",
      "-",
      "gw_a",
      "-",
      "-",
      "gw_a:run2",
    ]);
    expect(job.rows.map((r) => r[24] === null)).toEqual([
      false,
      true,
      true,
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it("keeps a prev_hash that does not continue the previous row, even within one chain", () => {
    const events = chain("gw_a", 4);
    const forked = [...events.slice(0, 2), { ...(events[3] as AuditEvent), prev_hash: "f".repeat(64) }];
    const job = auditIngestJob("org_1", "gw_a", forked);
    expect(job.rows[2]?.[24]).toBe("f".repeat(64));
    expect(parseAuditIngestJob(viaQueue(job))).toMatchObject({ ok: true, value: { events: forked } });
  });

  it("is at least a third smaller than the v1 job of the same events", () => {
    const events = chain("gw_a:run1", 5000);
    const v1 = JSON.stringify({ org_id: "org_1", gateway_id: "gw_a", events });
    const v2 = JSON.stringify(auditIngestJob("org_1", "gw_a", events));
    expect(v2.length).toBeLessThan((v1.length * 2) / 3);
  });

  it("refuses a first row without its chain, an omitted prev_hash that starts a chain, and a bad field, naming where", () => {
    const job = auditIngestJob("org_1", "gw_a", [...chain("gw_a", 2), ...chain("gw_a:r2", 2)]);
    const noChain = viaQueue(job) as { rows: unknown[][] };
    (noChain.rows[0] as unknown[])[1] = null;
    expect(parseAuditIngestJob(noChain)).toEqual({
      ok: false,
      code: "bad_job",
      message: "audit-ingest job: `rows.0.1`: the first row must name its chain",
    });
    const noPrev = viaQueue(job) as { rows: unknown[][] };
    (noPrev.rows[2] as unknown[])[24] = null;
    expect(parseAuditIngestJob(noPrev)).toEqual({
      ok: false,
      code: "bad_job",
      message: "audit-ingest job: `rows.2.24`: prev_hash omitted where the row starts a chain",
    });
    const badHash = viaQueue(job) as { rows: unknown[][] };
    (badHash.rows[3] as unknown[])[25] = "not-a-hash";
    expect(parseAuditIngestJob(badHash)).toMatchObject({ ok: false, code: "bad_job" });
    expect(parseAuditIngestJob(badHash).ok === false && parseAuditIngestJob(badHash)).toMatchObject({
      message: expect.stringContaining("`rows.3.25`"),
    });
    const short = viaQueue(job) as { rows: unknown[][] };
    short.rows[1] = (short.rows[1] as unknown[]).slice(0, 25);
    expect(parseAuditIngestJob(short)).toMatchObject({ ok: false, code: "bad_job" });
    expect(parseAuditIngestJob({ ...(viaQueue(job) as object), rows: [] })).toMatchObject({ ok: false });
  });

  it("still reads v1 jobs (queued before an upgrade), and refuses a malformed one", () => {
    const events = chain("gw_a", 3);
    expect(parseAuditIngestJob(viaQueue({ org_id: "org_1", gateway_id: "gw_a", events }))).toEqual({
      ok: true,
      value: { org_id: "org_1", gateway_id: "gw_a", events },
    });
    expect(parseAuditIngestJob({ org_id: "org_1", gateway_id: "gw_a", events: [{ id: "x" }] })).toMatchObject(
      {
        ok: false,
        code: "bad_job",
        message: expect.stringContaining("`events.0"),
      },
    );
    expect(parseAuditIngestJob(null)).toMatchObject({ ok: false, code: "bad_job" });
  });
});

describe("storable audit text", () => {
  it("replaces a NUL and an unpaired surrogate with U+FFFD and leaves everything else as it is", () => {
    expect(storableText("a\u0000b\u0000")).toBe("a\uFFFDb\uFFFD");
    expect(storableText("cut 🚀"[0] + "🚀".slice(0, 1))).toBe("c\uFFFD");
    expect(storableText("tab\tnew\nline ünïcødé 🚀 中文")).toBe("tab\tnew\nline ünïcødé 🚀 中文");
  });

  it("names the first free-text field that holds one, and nothing for a clean event", () => {
    const [event] = chain("gw_a", 1) as [AuditEvent];
    expect(unstorableTextField(event)).toBeUndefined();
    expect(unstorableTextField({ ...event, reason: "x\u0000" })).toBe("reason");
    expect(unstorableTextField({ ...event, host: "h\udc00", agent: "ok" })).toBe("host");
  });
});
