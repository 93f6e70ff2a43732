import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditSpool } from "../audit/spool.ts";
import type { AuditEntry } from "../ports/audit-sink.ts";
import { GatewayApiClient } from "./api-client.ts";
import { newRunId } from "./connected-mode.ts";
import { RemoteAuditSink } from "./remote-audit-sink.ts";
import { type FakeControlPlane, startFakeControlPlane } from "./testing/fake-control-plane.ts";
import { waitFor } from "./testing/proxy-client.ts";

function entry(i: number): AuditEntry {
  return {
    ts: new Date().toISOString(),
    agent: "bot",
    connector: "internal",
    action_type: "http.get",
    decision: "allow",
    enforced: "allow",
    mode: "full",
    reason: null,
    rule: null,
    risk: "low",
    risk_score: null,
    status: 200,
    latency_ms: 1,
    method: "GET",
    host: "api.example.com",
    path: `/item/${i}`,
    request_id: `req_test${i}`,
    approval_id: null,
    error_code: null,
    bytes_in: 0,
    bytes_out: 10,
  };
}

describe("connected mode: the audit spool ships to the API", () => {
  let api: FakeControlPlane;
  let tfHome: string;
  let lines: string[];
  const sinks: RemoteAuditSink[] = [];

  beforeEach(async () => {
    tfHome = await mkdtemp(join(tmpdir(), "tf-ship-"));
    api = await startFakeControlPlane();
    lines = [];
  });
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close();
    await api.close();
    await rm(tfHome, { recursive: true, force: true });
  });

  async function open(runId = newRunId()) {
    const sink = await RemoteAuditSink.open({
      tfHome,
      runId,
      gatewayId: api.gatewayId,
      client: new GatewayApiClient({ apiUrl: api.url, token: api.token }),
      logger: (l) => lines.push(l),
      idleMs: 100,
      confirmIntervalMs: 100,
      resendAfterMs: 300,
      closeFlushMs: 1_000,
    });
    sinks.push(sink);
    return sink;
  }

  const shippedOnce = (n: number) => () =>
    api.ingested.size === n && [...api.ingested.values()].every((count) => count === 1);

  it("ships every event in batches of at most 5,000, each exactly once", async () => {
    const sink = await open();
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => sink.append(entry(i))));
    await waitFor("12,000 events shipped once", shippedOnce(12_000), 30_000);
    expect(Math.max(...api.batches)).toBeLessThanOrEqual(5_000);
    expect(api.batches.reduce((a, b) => a + b, 0)).toBe(12_000);
  });

  it("retries with backoff while the API refuses, then ships everything without duplicates", async () => {
    api.failIngests(3);
    const sink = await open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.append(entry(i))));
    await waitFor("50 events shipped once", shippedOnce(50), 20_000);
    expect(
      lines.some((l) => l.includes("audit: shipping failed, events stay in the spool and are retried")),
    ).toBe(true);
  });

  it("a restart resumes from the shipped offset: the old run's rest ships once, nothing twice", async () => {
    const first = await open();
    await Promise.all(Array.from({ length: 30 }, (_, i) => first.append(entry(i))));
    await waitFor("the first 30 shipped", shippedOnce(30));
    api.down = true;
    await Promise.all(Array.from({ length: 20 }, (_, i) => first.append(entry(100 + i))));
    // The process "dies" with 20 events only in its spool.
    await first.close();
    sinks.splice(sinks.indexOf(first), 1);
    expect(api.ingested.size).toBe(30);

    api.down = false;
    const second = await open();
    await Promise.all(Array.from({ length: 5 }, (_, i) => second.append(entry(200 + i))));
    await waitFor("55 events shipped once", shippedOnce(55), 20_000);
    const names = await readdir(join(tfHome, "audit"));
    expect(names.filter((n) => n.endsWith(".shipped"))).toHaveLength(2);
  });

  it("a batch the API acknowledged but lost (its queue restarted) is shipped again until stored", async () => {
    api.loseIngests(1);
    const sink = await open();
    await Promise.all(Array.from({ length: 40 }, (_, i) => sink.append(entry(i))));
    const chain = (await sink.append(entry(99))).gateway_id;
    await waitFor("all 41 events stored", () => api.stored.get(chain)?.size === 41, 20_000);
    // The fake API stores the re-sent batch before its answer reaches the sink, which counts the
    // resend only then: wait for that too (reading the count at once raced under load).
    await waitFor("the resend counted", () => sink.resentCount >= 1, 10_000).catch(() => undefined);
    const diagnostics = JSON.stringify({ batches: api.batches, resent: sink.resentCount, lines });
    expect(sink.resentCount, diagnostics).toBeGreaterThanOrEqual(1);
    expect(
      lines.some((l) => l.includes("were acknowledged but are not stored: shipped again")),
      diagnostics,
    ).toBe(true);
    await waitFor("nothing pending any more", async () => {
      const state = JSON.parse(
        await readFile(join(tfHome, "audit", `${chain.split(":")[1]}.shipped`), "utf8"),
      );
      return state.pending.length === 0;
    });
  });

  it("local-mode spools on the same machine are not shipped as this gateway's", async () => {
    const local = await AuditSpool.open({
      tfHome,
      runId: "20250101T000000Z-1-abcd1234",
      gatewayId: "local:20250101T000000Z-1-abcd1234",
    });
    await local.append(entry(1));
    await local.close();
    const sink = await open();
    await sink.append(entry(2));
    await waitFor("our one event", shippedOnce(1));
    await sink.flush();
    expect(api.ingested.size).toBe(1);
  });
});
