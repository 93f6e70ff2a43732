// Audit ingest benchmark (issue 5): gateway batches → API (`audit.ingest`, HTTP) → BullMQ on
// Redis → worker → Postgres, with the API and the worker as separate processes (`main.ts api`,
// `main.ts worker`) on a fresh database and a private Redis prefix, as deployed.
//
// 1. Sustained ingest: pre-built batches of 5,000 events sent by `--senders` concurrent
//    gateways' shippers; events/s acknowledged, and events/s until all are stored.
//    Target ≥ 20,000 events/s end-to-end.
// 2. Visibility latency: batches of 500 every 100 ms (5,000 events/s) for `--seconds`; for each
//    batch, the time from the events' creation to the last one being returned by the query API
//    (`audit.get`, as the dashboard reads). p50/p95/max. Target p95 ≤ 2 s.
//
//   npx tsx bench/ingest.ts [--events 200000] [--senders 4] [--seconds 20] [--rate 5000] [--topology split|all]
//
// The machine is shared: the load average is printed with the figures.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { apiProcesses, freePort, seedGatewayTenant } from "../apps/api/src/testing/api-processes.ts";
import { makeAuditChain } from "../apps/api/src/testing/audit-events.ts";
import { createDatabase } from "../packages/db/src/index.ts";
import { createRedisTestPrefix, createTestDatabase } from "../tests/support/index.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]?.replace(/^--/, "") ?? "", process.argv[i + 1] ?? "");
const totalEvents = Number(args.get("events") ?? 200_000);
const senders = Number(args.get("senders") ?? 4);
const latencySeconds = Number(args.get("seconds") ?? 20);
const rate = Number(args.get("rate") ?? 5000);
const topology = args.get("topology") ?? "split";
const batchSize = 5000;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** CPU milliseconds (user + system) a process has used so far, from /proc (Linux, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    // The process is gone (a pool connection closed): it counts as nothing further.
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const redis = createRedisTestPrefix();
  const tenant = await seedGatewayTenant(database.url);
  const cluster = apiProcesses({
    databaseUrl: database.url,
    redisUrl: redis.url,
    redisPrefix: redis.prefix.slice(0, -1),
    port: await freePort(),
    // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the API and worker processes, for finding hot spots.
    nodeArgs: [
      ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ...(process.env.BENCH_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? []),
    ],
  });
  // Named, so its backend (the completion polling) is not counted as the pipeline's CPU.
  const benchUrl = new URL(database.url);
  benchUrl.searchParams.set("application_name", "ingest-bench");
  const db = await createDatabase({ databaseUrl: benchUrl.toString(), poolMax: 2 });
  const stored = async () =>
    (await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events"))[0]?.n ?? 0;
  const chainsEnded = async (chains: string[], lastSeq: number) =>
    (
      await db.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM unnest($1::text[]) AS c(id) WHERE EXISTS (SELECT 1 FROM audit_events WHERE chain_id = c.id AND seq = $2)",
        [chains, lastSeq],
      )
    )[0]?.n === chains.length;
  try {
    if (topology === "all") await cluster.start("all");
    else await Promise.all([cluster.start("api"), cluster.start("worker")]);
    console.log(`ingest bench: topology ${topology}, load average ${load()}`);

    // ── 1. sustained ingest ──
    const chains = Array.from({ length: senders }, (_, s) => `${tenant.gatewayId}:bench-${s}`);
    const perSender = Math.ceil(totalEvents / senders / batchSize) * batchSize;
    const bodies: string[][] = chains.map((chainId) => {
      const events = makeAuditChain(chainId, perSender);
      const out: string[] = [];
      for (let i = 0; i < events.length; i += batchSize) {
        out.push(JSON.stringify({ gateway_id: tenant.gatewayId, events: events.slice(i, i + batchSize) }));
      }
      return out;
    });
    const expected = perSender * senders;
    const send = async (body: string) => {
      for (;;) {
        const r = await fetch(`${cluster.url}/trpc/audit.ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${tenant.gatewayToken}`, "content-type": "application/json" },
          body,
        });
        await r.arrayBuffer();
        if (r.status === 200) return;
        console.log(`  ingest answered ${r.status}: retrying`);
      }
    };
    const processes = () => ({
      api: [...cluster.running.entries()].filter(([r]) => r !== "worker").map(([, c]) => c.process.pid ?? 0),
      worker: [...cluster.running.entries()].filter(([r]) => r !== "api").map(([, c]) => c.process.pid ?? 0),
      postgres: backendPids(),
      redis: [Number(execFileSync("pgrep", ["-x", "redis-server"]).toString().trim().split("\n")[0])],
    });
    const backendPids = () =>
      execFileSync("psql", [
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-tAc",
        `SELECT pid FROM pg_stat_activity WHERE datname = '${database.name}' AND application_name <> 'ingest-bench'`,
      ])
        .toString()
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map(Number);
    const cpuBefore = new Map<number, number>();
    for (const pids of Object.values(processes())) for (const pid of pids) cpuBefore.set(pid, cpuMs(pid));
    const t0 = performance.now();
    await Promise.all(
      bodies.map(async (list) => {
        for (const body of list) await send(body);
      }),
    );
    const tAcked = performance.now();
    // Until every chain's last event is stored, poll the (chain_id, seq) index: a few page
    // reads, where count(*) over the growing table would cost Postgres more CPU than the
    // inserts it waits for. Then count once (a chain's earlier batch may still commit after
    // its last one).
    while (!(await chainsEnded(chains, perSender - 1))) await new Promise((r) => setTimeout(r, 20));
    while ((await stored()) < expected) await new Promise((r) => setTimeout(r, 20));
    const tStored = performance.now();
    const cpu: Record<string, number> = {};
    for (const [name, pids] of Object.entries(processes())) {
      cpu[name] = pids.reduce((sum, pid) => sum + cpuMs(pid) - (cpuBefore.get(pid) ?? 0), 0);
    }
    const perThousand = (ms: number) => ((ms / expected) * 1000).toFixed(0);
    const totalCpu = Object.values(cpu).reduce((a, b) => a + b, 0);
    const ackRate = expected / ((tAcked - t0) / 1000);
    const e2eRate = expected / ((tStored - t0) / 1000);
    console.log(
      `sustained: ${expected} events in batches of ${batchSize} from ${senders} senders: ` +
        `acknowledged ${Math.round(ackRate)} events/s, stored end-to-end ${Math.round(e2eRate)} events/s ` +
        `(${((tStored - t0) / 1000).toFixed(2)} s; load ${load()})`,
    );
    console.log(
      `  CPU per 1,000 events: ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${perThousand(v)} ms`)
        .join(", ")} (total ${perThousand(totalCpu)} ms: ` +
        `${Math.round((expected / totalCpu) * 1000)} events per CPU-second of the pipeline, without the load generator)`,
    );

    // ── 2. event-to-visible latency at `rate` events/s ──
    const perBatch = Math.max(1, Math.round(rate / 10));
    const latencyChain = `${tenant.gatewayId}:latency`;
    let prevHash: string | undefined;
    let seq = 0;
    const outstanding: { lastId: string; createdAt: number }[] = [];
    const latencies: number[] = [];
    let sending = true;
    const cookie = `tf_session=${tenant.session}`;
    const poller = (async () => {
      while (sending || outstanding.length > 0) {
        const head = outstanding[0];
        if (head === undefined) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const input = encodeURIComponent(JSON.stringify({ orgId: tenant.orgId, eventId: head.lastId }));
        const r = await fetch(`${cluster.url}/trpc/audit.get?input=${input}`, { headers: { cookie } });
        await r.arrayBuffer();
        if (r.status === 200) {
          latencies.push(performance.now() - head.createdAt);
          outstanding.shift();
        } else {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    const inflight: Promise<void>[] = [];
    const tStart = performance.now();
    for (let tick = 0; tick < latencySeconds * 10; tick++) {
      const due = tStart + tick * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const createdAt = performance.now();
      const events = makeAuditChain(latencyChain, perBatch, {
        startSeq: seq,
        ...(prevHash === undefined ? {} : { prevHash }),
        startMs: Date.now(),
        stepMs: 0,
      });
      seq += perBatch;
      prevHash = events.at(-1)?.hash;
      outstanding.push({ lastId: events.at(-1)?.id ?? "", createdAt });
      inflight.push(send(JSON.stringify({ gateway_id: tenant.gatewayId, events })));
    }
    await Promise.all(inflight);
    const sentFor = (performance.now() - tStart) / 1000;
    sending = false;
    await poller;
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `visibility at ${Math.round((latencySeconds * 10 * perBatch) / sentFor)} events/s for ${latencySeconds} s ` +
        `(batches of ${perBatch} every 100 ms): event → visible in audit.get ` +
        `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, ` +
        `max ${percentile(sorted, 100).toFixed(0)} ms over ${sorted.length} batches (load ${load()})`,
    );
  } finally {
    await cluster.stopAll();
    await db.close();
    await database.drop();
    await redis.cleanup();
  }
}

await main();
