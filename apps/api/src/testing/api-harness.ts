import type { Gateway, Role } from "@tameflare/contracts";
import { createRedisTestPrefix, type RedisTestPrefix } from "../../../../tests/support/index.ts";
import type { AppDeps, Logger } from "../deps.ts";
import { type ApiServer, startApiServer } from "../http/server.ts";
import { createApiMetrics, createMetricsHandler } from "../metrics/metrics.ts";
import { createBullmqQueue } from "../queue/bullmq-queue.ts";
import { createInProcessQueue } from "../queue/in-process-queue.ts";
import type { JobQueue, QueueWorker } from "../queue/queue.ts";
import { createAuditExportHandler } from "../routers/audit/export-audit-http.ts";
import { appRouter } from "../routers/index.ts";
import { createSlackHttpHandler } from "../routers/slack/slack-http.ts";
import {
  type ApprovalNotifier,
  createInProcessApprovalNotifier,
  createRedisApprovalNotifier,
} from "../services/approvals/approval-notifier.ts";
import { registerApprovalHooks } from "../services/approvals/approvals-service.ts";
import { createGatewaysService } from "../services/gateways/gateways-service.ts";
import { startWorkers, type WorkersOptions } from "../workers/start-workers.ts";
import { seedOrg, seedUserSession, uniqueSuffix } from "./seed.ts";
import { callerFor, createCaptureLogger, createTestDeps, type TestDeps } from "./test-deps.ts";

export const queueKinds = ["bullmq", "in-process"] as const;
export type QueueKind = (typeof queueKinds)[number];

export interface TestApi {
  t: TestDeps;
  deps: AppDeps;
  kind: QueueKind;
  server: ApiServer;
  url: string;
  redis: RedisTestPrefix | null;
  /** Every line the API, the queue and the workers logged. */
  log: Logger & { lines: string[] };
  /** Starts the queue workers (not started by default when `workers: false`). */
  startWorkers(options?: WorkersOptions): QueueWorker;
  /** An organization with one user per role (sessions) and a gateway (with its token). */
  seedTenant(name?: string): Promise<Tenant>;
  /** A gateway call over HTTP, as the gateway makes it: `POST /trpc/<path>` or `GET …?input=`. */
  gatewayCall(
    token: string | null,
    path: string,
    input: unknown,
    kind?: "mutation" | "query",
  ): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface Tenant {
  orgId: string;
  users: Record<Role, { userId: string; session: string }>;
  gateway: Gateway;
  gatewayToken: string;
  /** A tRPC caller acting as one of the tenant's users. */
  as(role: Role): Promise<Awaited<ReturnType<typeof callerFor>>["caller"]>;
  newGateway(): Promise<{ gateway: Gateway; token: string }>;
}

export interface HttpAnswer {
  status: number;
  body: {
    result?: { data: unknown };
    error?: { message: string; data?: { code?: string; appCode?: string } };
  };
}

/**
 * A full API for integration tests: a fresh Postgres database, BullMQ on a private Redis
 * prefix (or the in-process queue), the matching approval notifier, metrics, the HTTP
 * server on 127.0.0.1:0 with the Slack, export and metrics handlers, and (unless
 * `workers: false`) the workers.
 */
export async function startTestApi(
  kind: QueueKind,
  options: {
    env?: Record<string, string>;
    clock?: () => Date;
    workers?: boolean | WorkersOptions;
    queueAttempts?: number;
    queueBackoffMs?: number;
  } = {},
): Promise<TestApi> {
  const log = createCaptureLogger();
  const redis = kind === "bullmq" ? createRedisTestPrefix() : null;
  const queue: JobQueue =
    redis !== null
      ? createBullmqQueue({
          url: redis.url,
          prefix: redis.prefix.slice(0, -1),
          log,
          attempts: options.queueAttempts ?? 6,
          backoffMs: options.queueBackoffMs ?? 50,
        })
      : createInProcessQueue({
          log,
          attempts: options.queueAttempts ?? 6,
          backoffMs: options.queueBackoffMs ?? 50,
        });
  const notifier: ApprovalNotifier =
    redis !== null
      ? createRedisApprovalNotifier({ url: redis.url, prefix: redis.prefix.slice(0, -1), log })
      : createInProcessApprovalNotifier();
  const t = await createTestDeps({
    queue,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const deps = t.deps;
  deps.approvalNotifier = notifier;
  deps.metrics = createApiMetrics();
  deps.log = log;
  registerApprovalHooks(deps);
  const server = await startApiServer(deps, appRouter, {
    host: "127.0.0.1",
    port: 0,
    handlers: [
      createMetricsHandler(deps),
      createSlackHttpHandler(deps),
      createAuditExportHandler(deps, { pageSize: 100 }),
    ],
  });
  const workers: QueueWorker[] = [];
  const launch = (workerOptions?: WorkersOptions) => {
    const w = startWorkers(deps, { approvalSweepIntervalMs: 60_000, ...workerOptions });
    workers.push(w);
    return w;
  };
  if (options.workers !== false) launch(typeof options.workers === "object" ? options.workers : undefined);

  return {
    t,
    deps,
    kind,
    server,
    url: server.url,
    redis,
    log,
    startWorkers: launch,
    async seedTenant(name = "Acme") {
      const orgId = await seedOrg(deps, name);
      const users = {} as Record<Role, { userId: string; session: string }>;
      for (const role of ["owner", "admin", "member", "viewer"] as const) {
        users[role] = await seedUserSession(deps, [{ orgId, role }]);
      }
      const owner = { orgId, userId: users.owner.userId, role: "owner" as const };
      const newGateway = () => createGatewaysService(deps).create(owner, { name: `gw-${uniqueSuffix()}` });
      const first = await newGateway();
      return {
        orgId,
        users,
        gateway: first.gateway,
        gatewayToken: first.token,
        async as(role: Role) {
          return (await callerFor(deps, { session: users[role].session })).caller;
        },
        newGateway,
      };
    },
    async gatewayCall(token, path, input, callKind = "mutation") {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response =
        callKind === "mutation"
          ? await fetch(`${server.url}/trpc/${path}`, {
              method: "POST",
              headers,
              body: JSON.stringify(input),
            })
          : await fetch(`${server.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
              headers,
            });
      return { status: response.status, body: (await response.json()) as HttpAnswer["body"] };
    },
    async close() {
      await server.close();
      await Promise.all(workers.map((w) => w.close()));
      await notifier.close();
      await t.cleanup();
      await redis?.cleanup();
    },
  };
}
