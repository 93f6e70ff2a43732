import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, createRepositories } from "@tameflare/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedisTestPrefix,
  createTestDatabase,
  type TestDatabase,
} from "../../../tests/support/index.ts";
import { createApp } from "./app.ts";
import { readApiEnv } from "./env.ts";
import { issueToken } from "./services/shared/tokens.ts";
import { makeAuditChain } from "./testing/audit-events.ts";
import { runMain } from "./testing/run-main.ts";
import { createCaptureLogger } from "./testing/test-deps.ts";
import { waitFor } from "./testing/wait-for.ts";

describe("main: configuration errors", () => {
  it("a bad environment prints one line and exits 1", async () => {
    const missingKey = runMain([], { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/none" });
    expect(await missingKey.exited).toBe(1);
    expect(missingKey.stderr().trim().split("\n")).toEqual([
      expect.stringMatching(/^tameflare-api: TF_VAULT_KEY is not set/),
    ]);
    const badPort = runMain([], { API_PORT: "eighty" });
    expect(await badPort.exited).toBe(1);
    expect(badPort.stderr().trim().split("\n")).toEqual([
      expect.stringMatching(/^tameflare-api: API_PORT is invalid/),
    ]);
  });

  it("an unknown role, or a split role without Postgres and Redis, is one line and exit 1", async () => {
    const unknown = runMain(["scheduler"], {});
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr().trim().split("\n")).toHaveLength(1);
    const dataDir = mkdtempSync(join(tmpdir(), "tf-main-"));
    try {
      const split = runMain(["worker"], { TF_DATA_DIR: dataDir });
      expect(await split.exited).toBe(1);
      expect(split.stderr().trim().split("\n")).toEqual([
        expect.stringContaining("set DATABASE_URL and REDIS_URL"),
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the embedded mode (no DATABASE_URL, no REDIS_URL)", () => {
  it("runs API and workers in one process on PGlite and the in-process queue, and keeps data across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tf-embedded-"));
    try {
      const env = readApiEnv({ TF_DATA_DIR: dataDir, API_PORT: "0" });
      if (!env.ok) throw new Error(env.message);
      const log = createCaptureLogger();
      const app = await createApp(env.value, { log });
      await app.start();
      expect(app.deps.db.kind).toBe("pglite");
      expect(app.deps.queue.kind).toBe("in-process");
      expect(log.lines.some((l) => l.includes("generated a vault master key"))).toBe(true);
      const org = await app.deps.repos.organizations.create({
        name: "Solo",
        slug: `solo-${randomBytes(3).toString("hex")}`,
      });
      if (!org.ok) throw new Error(org.message);
      const token = issueToken((n) => randomBytes(n), "gwtk");
      const gw = await app.deps.repos.gateways.create({
        orgId: org.value.id,
        name: "laptop",
        tokenHash: token.hash,
        tokenPrefix: token.prefix,
      });
      if (!gw.ok) throw new Error(gw.message);
      const url = app.server?.url ?? "";
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const events = makeAuditChain(`${gw.value.id}:run1`, 120);
      const answer = await fetch(`${url}/trpc/audit.ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" },
        body: JSON.stringify({ gateway_id: gw.value.id, events }),
      });
      expect(answer.status).toBe(200);
      await waitFor(
        "the events in PGlite",
        async () => (await app.deps.repos.audit.lastSeq(org.value.id, `${gw.value.id}:run1`)) === 119,
      );
      await app.close();

      // Started again on the same folder: the events are still there and still verify.
      const again = await createApp(env.value, { log });
      try {
        expect(await again.deps.repos.audit.verifyChain(org.value.id, `${gw.value.id}:run1`)).toMatchObject({
          ok: true,
          checked: 120,
        });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("main with Postgres and Redis: graceful shutdown", () => {
  let database: TestDatabase;
  const redis = createRedisTestPrefix();
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
    await redis.cleanup();
  });

  it("SIGTERM answers held long-polls, drains, closes workers, queues and connections, and exits 0", async () => {
    const db = await createDatabase({ databaseUrl: database.url, poolMax: 2 });
    const repos = createRepositories(db.prisma);
    const org = await repos.organizations.create({
      name: "Sig",
      slug: `sig-${randomBytes(3).toString("hex")}`,
    });
    if (!org.ok) throw new Error(org.message);
    const token = issueToken((n) => randomBytes(n), "gwtk");
    const gw = await repos.gateways.create({
      orgId: org.value.id,
      name: "gw",
      tokenHash: token.hash,
      tokenPrefix: token.prefix,
    });
    if (!gw.ok) throw new Error(gw.message);
    const child = runMain(["all"], {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      TF_VAULT_KEY: randomBytes(32).toString("base64"),
      API_PORT: "0",
      SHUTDOWN_TIMEOUT_MS: "5000",
    });
    try {
      const url = await waitFor(
        "the API to listen",
        () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout())?.[1],
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      const call = (path: string, input: unknown, method: "GET" | "POST") =>
        fetch(
          method === "POST"
            ? `${url}/trpc/${path}`
            : `${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
          {
            method,
            headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" },
            ...(method === "POST" ? { body: JSON.stringify(input) } : {}),
          },
        );
      const created = (await (
        await call(
          "approvals.create",
          {
            request_id: "req_sigterm01",
            agent: "coder",
            action: {
              type: "http.post",
              connector: "internal",
              resource: "/",
              parameters: {},
              risk: "low",
              read: false,
            },
          },
          "POST",
        )
      ).json()) as { result: { data: { approval_id: string } } };
      const held = call(
        "approvals.wait",
        { approval_id: created.result.data.approval_id, timeout_ms: 25_000 },
        "GET",
      );
      // The wait is registered once the request reached the server; give it a moment by a round trip.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const signalledAt = Date.now();
      child.process.kill("SIGTERM");
      const answer = await held;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { result: { data: { status: string } } }).result.data.status).toBe(
        "pending",
      );
      expect(await child.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(15_000);
      expect(child.stdout()).toContain("SIGTERM: shutting down");
      expect(child.stdout()).toContain("stopped");
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      child.process.kill("SIGKILL");
      await db.close();
    }
  });
});
