import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { createDatabase, createRepositories } from "@tameflare/db";
import { afterAll, describe, expect, it } from "vitest";
import {
  createRedisTestPrefix,
  createTestDatabase,
  type TestDatabase,
} from "../../../tests/support/index.ts";
import { apiProcesses, freePort, seedGatewayTenant } from "./testing/api-processes.ts";
import { makeAuditChain } from "./testing/audit-events.ts";
import { shipAuditEvents } from "./testing/gateway-shipper.ts";
import { waitFor } from "./testing/wait-for.ts";

const run = promisify(execFile);

// DESIGN "Audit: nothing lost": API, Redis or Postgres being down delays events, never loses
// them. This test restarts the shared local Redis and Postgres (each once, only here) and
// always leaves both running, whatever happens.
const totalEvents = 100_000;
const pgVersion = readdirSync("/etc/postgresql")[0] ?? "15";
// The start command from NOTES.md (no persistence: a restart loses every queued job).
const redisStart = [
  "--daemonize",
  "yes",
  "--bind",
  "127.0.0.1",
  "-::1",
  "--port",
  "6379",
  "--save",
  "",
  "--appendonly",
  "no",
  "--dir",
  "/var/lib/redis",
  "--logfile",
  "/var/log/redis/ci.log",
];

async function redisUp(): Promise<boolean> {
  try {
    return (await run("redis-cli", ["-h", "127.0.0.1", "-p", "6379", "ping"])).stdout.trim() === "PONG";
  } catch {
    // redis-cli exits non-zero while the server is down: that is the answer.
    return false;
  }
}

async function postgresUp(): Promise<boolean> {
  try {
    await run("pg_isready", ["-h", "127.0.0.1", "-p", "5432", "-q"]);
    return true;
  } catch {
    // pg_isready exits 1 (rejecting) or 2 (no response) while Postgres is restarting.
    return false;
  }
}

async function ensureRedis(): Promise<void> {
  if (await redisUp()) return;
  await run("redis-server", redisStart);
  await waitFor("redis to answer", redisUp, { timeoutMs: 30_000, intervalMs: 100 });
}

async function ensurePostgres(): Promise<void> {
  if (await postgresUp()) return;
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", pgVersion, "main", "start"]);
  await waitFor("postgres to answer", postgresUp, { timeoutMs: 60_000, intervalMs: 200 });
}

async function restartRedis(): Promise<void> {
  await run("redis-cli", ["-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"]).catch((error: unknown) => {
    // The connection drops as the server exits; the shutdown still happened.
    if (
      !String(error).includes("Server closed the connection") &&
      !String(error).includes("Connection refused")
    ) {
      throw error;
    }
  });
  await waitFor("redis to stop", async () => !(await redisUp()), { timeoutMs: 10_000, intervalMs: 50 });
  await ensureRedis();
}

async function restartPostgres(): Promise<void> {
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", pgVersion, "main", "restart"]);
  await waitFor("postgres to answer", postgresUp, { timeoutMs: 60_000, intervalMs: 200 });
}

describe("nothing lost", () => {
  let database: TestDatabase | undefined;
  const redis = createRedisTestPrefix();
  let cluster: ReturnType<typeof apiProcesses> | undefined;

  // What the shipper and the processes said, printed when the test fails (a timeout prints
  // nothing of its own): a crashed worker or a stuck range shows here.
  const shipperLog: string[] = [];
  let passed = false;

  afterAll(async () => {
    if (!passed) {
      console.log(`[nothing-lost] shipper, last lines:\n${shipperLog.slice(-30).join("\n")}`);
      for (const [role, child] of cluster?.running ?? []) {
        console.log(
          `[nothing-lost] ${role} (exit ${child.process.exitCode}), stderr tail:\n${child.stderr().slice(-3000)}`,
        );
      }
    }
    // Whatever failed, leave the shared services running, then clean up.
    await ensureRedis();
    await ensurePostgres();
    await cluster?.stopAll();
    await database?.drop();
    await redis.cleanup();
  }, 120_000);

  it("100,000 events shipped while the API, Redis and Postgres each restart once are all stored exactly once, and the chain verifies", async () => {
    database = await createTestDatabase();
    const tenant = await seedGatewayTenant(database.url);
    cluster = apiProcesses({
      databaseUrl: database.url,
      redisUrl: redis.url,
      redisPrefix: redis.prefix.slice(0, -1),
      port: await freePort(),
      env: {
        QUEUE_LOCK_DURATION_MS: "5000",
        SHUTDOWN_TIMEOUT_MS: "3000",
        APPROVAL_SWEEP_INTERVAL_MS: "60000",
      },
    });
    const processes = cluster;
    // This file's own Redis client sees the restart too: note it instead of an unhandled error.
    const redisErrors: string[] = [];
    redis.client.on("error", (error: Error) => redisErrors.push(error.message));
    await Promise.all([processes.start("api"), processes.start("worker")]);

    const chainId = `${tenant.gatewayId}:run-nothing-lost`;
    const events = makeAuditChain(chainId, totalEvents);
    const log = shipperLog;
    const disruptions: string[] = [];
    // Each disruption starts once enough events are acknowledged, one after another, while
    // the shipper keeps sending (and retrying into the outage).
    const plan: { at: number; name: string; act: () => Promise<void> }[] = [
      {
        at: 20_000,
        name: "api+worker killed and restarted",
        act: async () => {
          await Promise.all([processes.kill("api"), processes.kill("worker")]);
          await Promise.all([processes.start("api"), processes.start("worker")]);
        },
      },
      { at: 45_000, name: "redis restarted (shutdown nosave)", act: restartRedis },
      { at: 70_000, name: "postgres restarted", act: restartPostgres },
    ];
    let chain = Promise.resolve();
    const started = Date.now();
    const report = await shipAuditEvents(events, {
      apiUrl: () => processes.url,
      gatewayToken: tenant.gatewayToken,
      gatewayId: tenant.gatewayId,
      batchSize: 5000,
      concurrency: 2,
      resendAfterMs: 10_000,
      log: (line) => log.push(`${Date.now() - started} ms ${line}`),
      onAck(acked) {
        while (plan[0] !== undefined && acked >= plan[0].at) {
          const step = plan.shift() as (typeof plan)[number];
          chain = chain.then(async () => {
            const t = Date.now();
            await step.act();
            disruptions.push(`${step.name} at ${acked} acked events (${Date.now() - t} ms)`);
          });
        }
      },
    });
    await chain;
    console.log(
      `[nothing-lost] ${totalEvents} events in ${((report.confirmedAt - started) / 1000).toFixed(1)} s; ` +
        `${report.retries} retried sends, ${report.resent} re-shipped ranges; ${disruptions.join("; ")}`,
    );
    expect(disruptions).toHaveLength(3);

    const db = await createDatabase({ databaseUrl: database.url, poolMax: 2 });
    try {
      const [counts] = await db.prisma.$queryRaw<{ total: bigint; distinct_ids: bigint }[]>`
        SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_ids FROM audit_events`;
      expect({ total: Number(counts?.total), distinct: Number(counts?.distinct_ids) }).toEqual({
        total: totalEvents,
        distinct: totalEvents,
      });
      const verified = await createRepositories(db.prisma).audit.verifyChain(tenant.orgId, chainId);
      expect(verified, log.slice(-20).join("\n")).toEqual({
        ok: true,
        checked: totalEvents,
        lastSeq: totalEvents - 1,
        lastHash: events.at(-1)?.hash,
      });
      passed = true;
    } finally {
      await db.close();
    }
  }, 280_000);
});
