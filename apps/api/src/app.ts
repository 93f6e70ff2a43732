import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createDatabase, createRepositories } from "@tameflare/db";
import { type AppDeps, consoleLogger, type Logger } from "./deps.ts";
import type { ApiEnv } from "./env.ts";
import { createAppHooks } from "./hooks.ts";
import { type ApiServer, type RouteHandler, sendJson, startApiServer } from "./http/server.ts";
import { createApiMetrics, createMetricsHandler } from "./metrics/metrics.ts";
import { createBullmqQueue } from "./queue/bullmq-queue.ts";
import { createInProcessQueue } from "./queue/in-process-queue.ts";
import type { JobQueue, QueueWorker } from "./queue/queue.ts";
import { createAuditExportHandler } from "./routers/audit/export-audit-http.ts";
import { appRouter } from "./routers/index.ts";
import { createSlackHttpHandler } from "./routers/slack/slack-http.ts";
import {
  type ApprovalNotifier,
  createInProcessApprovalNotifier,
  createRedisApprovalNotifier,
} from "./services/approvals/approval-notifier.ts";
import { registerApprovalHooks } from "./services/approvals/approvals-service.ts";
import {
  type BundleNotifier,
  createInProcessBundleNotifier,
  createRedisBundleNotifier,
} from "./services/bundles/bundle-notifier.ts";
import { registerBundleHooks } from "./services/bundles/bundles-service.ts";
import { ensureEmbeddedVaultKey } from "./services/vault/vault-keys.ts";
import { startWorkers, type WorkersOptions } from "./workers/start-workers.ts";

export const appRoles = ["all", "api", "worker"] as const;
export type AppRole = (typeof appRoles)[number];

export interface AppOptions {
  /** `all` (default): API and workers in this process; `api` or `worker` alone (needs Postgres and Redis). */
  role?: AppRole;
  log?: Logger;
  clock?: () => Date;
  /** Extra HTTP handlers tried before tRPC (other domains' endpoints). */
  handlers?: RouteHandler[];
  workers?: WorkersOptions;
}

export interface App {
  readonly deps: AppDeps;
  readonly role: AppRole;
  /** Starts the HTTP server and/or the workers, per role. */
  start(): Promise<void>;
  /** The API server once started (roles `all` and `api`). */
  readonly server: ApiServer | null;
  /**
   * Graceful shutdown: stop taking requests and let in-flight ones finish (bounded by
   * SHUTDOWN_TIMEOUT_MS), close the workers (each finishes its running jobs), then the queues,
   * then the connections (Redis, database). Idempotent.
   */
  close(): Promise<void>;
}

/** A bad configuration: `main` prints the message as its one line and exits 1. */
export class AppConfigError extends Error {
  override readonly name = "AppConfigError";
}

/**
 * Builds the control plane from its environment: the database (Postgres with DATABASE_URL,
 * else PGlite under TF_DATA_DIR), the queue (BullMQ with REDIS_URL, else in-process), the
 * approval notifier (Redis pub/sub, else in-process), the vault key (generated under
 * TF_DATA_DIR in the embedded mode), metrics and hooks. `start()` runs the API server and/or
 * the workers.
 */
export async function createApp(env: ApiEnv, options: AppOptions = {}): Promise<App> {
  const role = options.role ?? "all";
  const log = options.log ?? consoleLogger(role === "worker" ? "worker" : "api");
  if (role !== "all" && (env.DATABASE_URL === undefined || env.REDIS_URL === undefined)) {
    throw new AppConfigError(
      `the \`${role}\` role runs beside other processes: set DATABASE_URL and REDIS_URL (the embedded mode runs as one process: \`all\`)`,
    );
  }
  const fullEnv = ensureEmbeddedVaultKey(env, log, (size) => randomBytes(size));
  const db = await createDatabase({
    databaseUrl: fullEnv.DATABASE_URL,
    dataDir: join(fullEnv.TF_DATA_DIR, "pglite"),
    onIdleConnectionError: (error) => log.warn(`postgres: an idle connection was closed (${error.message})`),
  });
  let queue: JobQueue;
  let notifier: ApprovalNotifier;
  let bundleNotifier: BundleNotifier;
  if (fullEnv.REDIS_URL !== undefined) {
    queue = createBullmqQueue({
      url: fullEnv.REDIS_URL,
      prefix: fullEnv.REDIS_PREFIX,
      log,
      lockDurationMs: fullEnv.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: Math.max(1000, Math.floor(fullEnv.QUEUE_LOCK_DURATION_MS / 2)),
    });
    notifier = createRedisApprovalNotifier({ url: fullEnv.REDIS_URL, prefix: fullEnv.REDIS_PREFIX, log });
    bundleNotifier = createRedisBundleNotifier({ url: fullEnv.REDIS_URL, prefix: fullEnv.REDIS_PREFIX, log });
  } else {
    queue = createInProcessQueue({ log });
    notifier = createInProcessApprovalNotifier();
    bundleNotifier = createInProcessBundleNotifier();
  }
  const shutdown = new AbortController();
  const deps: AppDeps = {
    env: fullEnv,
    db,
    repos: createRepositories(db.prisma, db.sql),
    queue,
    log,
    clock: options.clock ?? (() => new Date()),
    randomBytes: (size) => randomBytes(size),
    hooks: createAppHooks(),
    approvalNotifier: notifier,
    bundleNotifier,
    metrics: createApiMetrics(),
    shutdownSignal: shutdown.signal,
  };
  registerApprovalHooks(deps);
  registerBundleHooks(deps);

  let server: ApiServer | null = null;
  let metricsServer: http.Server | null = null;
  let workers: QueueWorker | null = null;
  let closing: Promise<void> | undefined;

  return {
    deps,
    role,
    get server() {
      return server;
    },
    async start() {
      if (role !== "api") workers = startWorkers(deps, options.workers);
      if (role !== "worker") {
        server = await startApiServer(deps, appRouter, {
          host: fullEnv.API_HOST,
          port: fullEnv.API_PORT,
          handlers: [
            createMetricsHandler(deps),
            createSlackHttpHandler(deps),
            createAuditExportHandler(deps),
            ...(options.handlers ?? []),
          ],
        });
        log.info(`listening on ${server.url} (${db.kind}, ${queue.kind} queue, role ${role})`);
        if (fullEnv.TF_DASHBOARD_SECRET === undefined) {
          log.info(
            "TF_DASHBOARD_SECRET is not set: logins through the dashboard are throttled on the dashboard's address (set the same value on the API and the dashboard)",
          );
        }
      } else {
        if (fullEnv.WORKER_METRICS_PORT !== 0) metricsServer = await startMetricsServer(deps);
        log.info(`worker running (${db.kind}, ${queue.kind} queue)`);
      }
    },
    close() {
      closing ??= (async () => {
        // Approval long-polls answer `pending` now instead of holding the drain for up to 25 s.
        shutdown.abort();
        const step = async (what: string, fn: () => Promise<void>) => {
          try {
            await fn();
          } catch (cause) {
            log.error(`shutdown: ${what} failed`, cause);
          }
        };
        await step("http", async () => {
          // Bundle long-polls answer now instead of holding the drain for up to 25 s.
          bundleNotifier.wakeAll();
          await server?.close();
          if (metricsServer !== null) await closeServer(metricsServer);
        });
        await step("workers", async () => {
          await workers?.close();
        });
        await step("queues", () => queue.close());
        await step("notifier", () => notifier.close());
        await step("bundle notifier", () => bundleNotifier.close());
        await step("database", () => db.close());
      })();
      return closing;
    },
  };
}

/** The worker role's `/metrics` and `/healthz` on WORKER_METRICS_PORT (no API there). */
async function startMetricsServer(deps: AppDeps): Promise<http.Server> {
  const metrics = createMetricsHandler(deps);
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if ((req.url ?? "/").split("?")[0] === "/healthz") return sendJson(res, 200, { ok: true });
        if (await metrics(req, res)) return;
        sendJson(res, 404, { error: { code: "not_found", message: "not found" } });
      } catch (cause) {
        deps.log.error("metrics request failed", cause);
        if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "internal error" } });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(deps.env.WORKER_METRICS_PORT, deps.env.API_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  deps.log.info(`worker metrics on http://${deps.env.API_HOST}:${port}/metrics`);
  return server;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
