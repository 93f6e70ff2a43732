import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, createRepositories } from "@tameflare/db";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/index.ts";
import type { AppDeps, Logger } from "../deps.ts";
import { type ApiEnv, readApiEnv } from "../env.ts";
import { createAppHooks } from "../hooks.ts";
import { createInProcessQueue } from "../queue/in-process-queue.ts";
import type { JobQueue } from "../queue/queue.ts";
import { appRouter } from "../routers/index.ts";
import { type RequestContext, resolvePrincipal, sessionCookieName } from "../trpc/context.ts";
import { createCallerFactory } from "../trpc/init.ts";

/** A logger that keeps every line, so tests can assert what was (and was not) logged. */
export function createCaptureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string, message: string, cause?: unknown) => {
    lines.push(
      `${level} ${message}${cause === undefined ? "" : ` ${cause instanceof Error ? cause.stack : String(cause)}`}`,
    );
  };
  return {
    lines,
    info: (m) => push("info", m),
    warn: (m) => push("warn", m),
    error: (m, cause) => push("error", m, cause),
  };
}

/** A clock tests move by hand. */
export function createTestClock(start = new Date()): {
  now: () => Date;
  advance(ms: number): void;
  set(at: Date): void;
} {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(at) {
      current = at.getTime();
    },
  };
}

export interface TestDeps {
  deps: AppDeps;
  database: TestDatabase;
  log: Logger & { lines: string[] };
  /** Closes the queue and the database, then drops the database. */
  cleanup(): Promise<void>;
}

/**
 * AppDeps on a fresh, migrated Postgres database (`tf_test_…`), a random vault key, a
 * capturing logger, empty hooks, and a queue: the one given (e.g. BullMQ on a test Redis
 * prefix), else the real in-process queue. Call `cleanup()` in `afterAll`.
 */
export async function createTestDeps(
  options: {
    env?: Record<string, string>;
    clock?: () => Date;
    queue?: JobQueue;
    /** `pglite`: the embedded database in a temporary folder (the Postgres test database stays unused). */
    database?: "postgres" | "pglite";
  } = {},
): Promise<TestDeps> {
  const database = await createTestDatabase();
  const parsed = readApiEnv({
    DATABASE_URL: database.url,
    TF_VAULT_KEY: randomBytes(32).toString("base64"),
    TF_VAULT_KEY_ID: "test1",
    PUBLIC_URL: "http://127.0.0.1:3000",
    ...options.env,
  });
  if (!parsed.ok) {
    await database.drop();
    throw new Error(parsed.message);
  }
  const env: ApiEnv = parsed.value;
  const pgliteDir = options.database === "pglite" ? mkdtempSync(join(tmpdir(), "tf-pglite-")) : undefined;
  const db =
    pgliteDir === undefined
      ? await createDatabase({ databaseUrl: database.url, poolMax: 5 })
      : await createDatabase({ dataDir: pgliteDir });
  const log = createCaptureLogger();
  const queue = options.queue ?? createInProcessQueue({ log });
  const deps: AppDeps = {
    env,
    db,
    repos: createRepositories(db.prisma, db.sql),
    queue,
    log,
    clock: options.clock ?? (() => new Date()),
    randomBytes: (size) => randomBytes(size),
    hooks: createAppHooks(),
  };
  return {
    deps,
    database,
    log,
    async cleanup() {
      await queue.close();
      await db.close();
      await database.drop();
      if (pgliteDir !== undefined) rmSync(pgliteDir, { recursive: true, force: true });
    },
  };
}

export interface TestRequest {
  /** A session token (the `tf_session` cookie value). */
  session?: string | undefined;
  /** A full `Authorization` header (`Bearer tfpat_…` / `Bearer gwtk_…`). */
  authorization?: string | undefined;
  ip?: string | undefined;
}

/** A request context as the HTTP server builds it; `cookies` collects `Set-Cookie` values. */
export async function createTestContext(
  deps: AppDeps,
  request: TestRequest = {},
): Promise<RequestContext & { cookies: string[] }> {
  const cookies: string[] = [];
  const { principal, sessionToken } = await resolvePrincipal(deps, {
    authorization: request.authorization,
    cookie:
      request.session === undefined
        ? undefined
        : `${sessionCookieName}=${encodeURIComponent(request.session)}`,
  });
  return {
    deps,
    principal,
    sessionToken,
    ip: request.ip ?? "127.0.0.1",
    userAgent: "vitest",
    setCookie: (cookie) => cookies.push(cookie),
    cookies,
  };
}

export const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for a request, and the cookies it set. */
export async function callerFor(deps: AppDeps, request: TestRequest = {}) {
  const ctx = await createTestContext(deps, request);
  return { caller: createCaller(ctx), cookies: ctx.cookies };
}

/** The session token a `Set-Cookie` list sets last (undefined when none or cleared). */
export function sessionFromCookies(cookies: readonly string[]): string | undefined {
  for (let i = cookies.length - 1; i >= 0; i--) {
    const match = new RegExp(`^${sessionCookieName}=([^;]*)`).exec(cookies[i] ?? "");
    if (match !== null) return match[1] === "" ? undefined : decodeURIComponent(match[1] as string);
  }
  return undefined;
}
