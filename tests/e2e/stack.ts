import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type App, createApp } from "../../apps/api/src/app.ts";
import type { Logger } from "../../apps/api/src/deps.ts";
import { readApiEnv } from "../../apps/api/src/env.ts";
import {
  createRedisTestPrefix,
  createTestDatabase,
  type RedisTestPrefix,
  type TestDatabase,
} from "../support/index.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const webDir = join(repoRoot, "apps/web");
const nextBin = join(webDir, "node_modules/next/dist/bin/next");

/** The control plane and the dashboard, as the e2e drives them. */
export interface Stack {
  apiUrl: string;
  webUrl: string;
  db: TestDatabase;
  redis: RedisTestPrefix;
  app: App;
  /** Lines the API logged (kept for a failure report). */
  apiLog: string[];
  webLog: string[];
  close(): Promise<void>;
}

/** A port nothing listens on right now (the dashboard's address must be known before the API starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === ".next" || entry === "generated") continue;
    const path = join(dir, entry);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard (`next build`) unless a production build newer than every source it
 * bundles exists. Returns the build's duration in ms (0 when reused).
 */
export async function ensureWebBuild(log: (line: string) => void): Promise<number> {
  const buildId = join(webDir, ".next/BUILD_ID");
  const sources = Math.max(
    newestMtime(join(webDir, "src")),
    statSync(join(webDir, "next.config.ts")).mtimeMs,
    newestMtime(join(repoRoot, "packages/contracts/src")),
    newestMtime(join(repoRoot, "packages/policy-engine/src")),
    newestMtime(join(repoRoot, "apps/api/src/routers")),
  );
  if (existsSync(buildId) && statSync(buildId).mtimeMs > sources) return 0;
  log("building the dashboard (next build)…");
  const started = Date.now();
  const child = spawn(process.execPath, [nextBin, "build"], {
    cwd: webDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.join("").slice(-4000)}`);
  return Date.now() - started;
}

async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null)
      throw new Error(`the process serving ${url} exited (${child.exitCode})`);
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) return;
      last = `status ${response.status}`;
    } catch (cause) {
      last = (cause as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

function captureLogger(lines: string[]): Logger {
  const push = (level: string, m: string, cause?: unknown) => {
    lines.push(
      `${level} ${m}${cause === undefined ? "" : ` ${cause instanceof Error ? cause.stack : String(cause)}`}`,
    );
  };
  return { info: (m) => push("info", m), warn: (m) => push("warn", m), error: (m, c) => push("error", m, c) };
}

/**
 * Starts the real control plane in this process (a fresh Postgres database, a private Redis
 * prefix, BullMQ workers, 127.0.0.1 on a free port) and `next start` of the dashboard's
 * production build pointed at it.
 */
export async function startStack(options: { apiEnv?: Record<string, string> } = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const redis = createRedisTestPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), "tf-e2e-"));
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const apiLog: string[] = [];
  const webLog: string[] = [];
  const env = readApiEnv({
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix.slice(0, -1),
    TF_VAULT_KEY: randomBytes(32).toString("base64"),
    TF_DATA_DIR: dataDir,
    API_HOST: "127.0.0.1",
    API_PORT: "0",
    PUBLIC_URL: webUrl,
    SHUTDOWN_TIMEOUT_MS: "2000",
    ...options.apiEnv,
  });
  if (!env.ok) throw new Error(env.message);
  const app = await createApp(env.value, { log: captureLogger(apiLog) });
  let web: ChildProcess | null = null;
  // Every step runs even when one fails (a restarted Postgres must not leave a dashboard behind).
  const close = async () => {
    const failures: unknown[] = [];
    const step = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        failures.push(error);
      }
    };
    await step(async () => {
      if (web !== null && web.exitCode === null) {
        const exited = once(web, "exit");
        web.kill("SIGTERM");
        await exited;
      }
    });
    await step(() => app.close());
    await step(() => redis.cleanup());
    await step(() => db.drop());
    rmSync(dataDir, { recursive: true, force: true });
    if (failures.length > 0) throw new AggregateError(failures, "stopping the e2e stack failed");
  };
  try {
    await app.start();
    const apiUrl = app.server?.url;
    if (apiUrl === undefined) throw new Error("the API server did not start");
    web = spawn(process.execPath, [nextBin, "start", "-p", String(webPort), "-H", "127.0.0.1"], {
      cwd: webDir,
      env: { ...process.env, API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    web.stdout?.on("data", (d: Buffer) => webLog.push(d.toString()));
    web.stderr?.on("data", (d: Buffer) => webLog.push(d.toString()));
    await waitForHttp(`${webUrl}/login`, 30_000, web);
    return { apiUrl, webUrl, db, redis, app, apiLog, webLog, close };
  } catch (error) {
    await close();
    throw error;
  }
}
