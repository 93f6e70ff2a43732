import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedisTestPrefix,
  createTestDatabase,
  type RedisTestPrefix,
  type TestDatabase,
} from "../../../../../tests/support/index.ts";
import { type App, createApp } from "../../app.ts";
import { readApiEnv } from "../../env.ts";
import { seedOrg, seedUserSession } from "../../testing/seed.ts";
import { createCaptureLogger } from "../../testing/test-deps.ts";
import { waitFor } from "../../testing/wait-for.ts";
import { createApprovalsService } from "../approvals/approvals-service.ts";
import { createGatewaysService } from "../gateways/gateways-service.ts";
import { createKillSwitchService } from "../kill-switch/kill-switch-service.ts";
import { createPoliciesService } from "../policies/policies-service.ts";
import type { OrgActor } from "../shared/actor.ts";
import { createVaultService } from "../vault/vault-service.ts";

// End to end, as a user runs it: the API over real HTTP (Postgres, Redis, BullMQ workers),
// `tf init` and `tf run` as child processes of the built `tf` bundle, a fake upstream that
// checks the credential it receives, and an agent's requests through the gateway's proxy.

const execFileAsync = promisify(execFile);
const gatewayRoot = fileURLToPath(new URL("../../../../gateway/", import.meta.url));
const secret = `sk_live_${randomBytes(12).toString("hex")}`;

interface Proxied {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function proxyGet(proxy: URL, url: string): Promise<Proxied> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: proxy.hostname,
        port: Number(proxy.port),
        path: target.href,
        agent: false,
        headers: {
          host: target.host,
          "proxy-authorization": `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}`,
          authorization: "Bearer tf_dummy_from_the_agent",
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

interface TfRun {
  child: ChildProcess;
  proxy: URL;
  caFile: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** `tf run --agent bot -- node <agent that prints its proxy settings and waits>`. */
async function startTfRun(tf: string, tfHome: string): Promise<TfRun> {
  const agent =
    "console.log(JSON.stringify({proxy: process.env.HTTP_PROXY, ca: process.env.SSL_CERT_FILE})); setInterval(() => {}, 1000);";
  const child = spawn(process.execPath, [tf, "run", "--agent", "bot", "--", process.execPath, "-e", agent], {
    env: tfEnv(tfHome),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const line = await waitFor(
    "the agent's proxy settings",
    () => {
      if (child.exitCode !== null) throw new Error(`tf run exited ${child.exitCode}: ${stderr}`);
      return stdout.split("\n").find((l) => l.startsWith("{"));
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const printed = JSON.parse(line) as { proxy: string; ca: string };
  return { child, proxy: new URL(printed.proxy), caFile: printed.ca, stderr: () => stderr, exited };
}

function tfEnv(tfHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_HOME: tfHome };
  for (const key of Object.keys(env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|node_options)$/i.test(key)) delete env[key];
  }
  return env;
}

async function stopTfRun(run: TfRun): Promise<void> {
  if (run.child.exitCode === null) run.child.kill("SIGTERM");
  await run.exited;
}

describe("connected gateway end to end: tf init → tf run against the real API", () => {
  let database: TestDatabase;
  let redis: RedisTestPrefix;
  let redisPrefix: string;
  let app: App;
  let apiUrl: string;
  let workDir: string;
  let tf: string;
  let tfHome: string;
  let owner: OrgActor;
  let gatewayId: string;
  let token: string;
  let run: TfRun | undefined;
  const upstreamAuth: (string | undefined)[] = [];
  let upstream: http.Server;
  let upstreamPort: number;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "tf-e2e-"));
    tfHome = join(workDir, "home");
    const build = execFileAsync(process.execPath, [
      join(gatewayRoot, "scripts/build.mjs"),
      "--outdir",
      join(workDir, "dist"),
    ]);
    database = await createTestDatabase();
    redis = createRedisTestPrefix();
    redisPrefix = `tfe2e${randomBytes(4).toString("hex")}`;
    const env = readApiEnv({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redisPrefix,
      TF_VAULT_KEY: randomBytes(32).toString("base64"),
      API_HOST: "127.0.0.1",
      API_PORT: "0",
      SHUTDOWN_TIMEOUT_MS: "2000",
    });
    if (!env.ok) throw new Error(env.message);
    app = await createApp(env.value, { log: createCaptureLogger() });
    await app.start();
    apiUrl = app.server?.url ?? "";
    upstream = http.createServer((req, res) => {
      upstreamAuth.push(req.headers.authorization);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;

    const deps = app.deps;
    const orgId = await seedOrg(deps, "E2E");
    const user = await seedUserSession(deps, [{ orgId, role: "owner" }]);
    owner = { orgId, userId: user.userId, role: "owner" };
    const gateways = createGatewaysService(deps);
    const created = await gateways.create(owner, { name: "e2e-gw" });
    gatewayId = created.gateway.id;
    token = created.token;
    const connector = await gateways.addConnector(owner, gatewayId, {
      type: "generic",
      name: "internal",
      domains: ["api.example.test"],
      upstream: `http://127.0.0.1:${upstreamPort}`,
      credential: { header: "authorization", format: "Bearer {secret}" },
    });
    if (!connector.ok) throw new Error(JSON.stringify(connector.errors));
    await gateways.setAccessRules(owner, gatewayId, [{ connector: "internal", preset: "allow_all" }]);
    await createVaultService(deps).setSecret(owner, {
      gatewayId,
      connectorId: connector.value.id,
      value: secret,
    });
    await build;
    tf = join(workDir, "dist", "tf.mjs");
  }, 120_000);

  afterAll(async () => {
    if (run !== undefined) await stopTfRun(run);
    await app?.close();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
    const admin = redis.connect();
    const keys = await admin.keys(`${redisPrefix}*`);
    if (keys.length > 0) await admin.unlink(...keys);
    await redis.cleanup();
    await database?.drop();
    await rm(workDir, { recursive: true, force: true });
    console.log(
      `measured propagation (API change → next request decided by it): ${JSON.stringify(measured)}`,
    );
  });

  const get = () => {
    if (run === undefined) throw new Error("tf run is not running");
    return proxyGet(run.proxy, "http://api.example.test/data");
  };

  it("tf init registers this machine, pins the API key and verifies the first bundle", async () => {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [tf, "init", "--gateway-id", gatewayId, "--gateway-token", token, "--api-url", apiUrl],
      { env: tfEnv(tfHome) },
    );
    expect(stderr).toBe("");
    expect(stdout).toContain(`registered this machine as gateway \`e2e-gw\` (${gatewayId})`);
    expect(stdout).toMatch(
      /bundle v\d+ verified and cached \(1 connectors, 0 policies, 1 sealed credentials open/,
    );
    expect(stdout).toContain("next: `tf run");
    expect(stdout).not.toContain(secret);
    const status = await execFileAsync(process.execPath, [tf, "status"], { env: tfEnv(tfHome) });
    expect(status.stdout).toContain(
      `Config: connected mode (tf init): gateway \`e2e-gw\` (${gatewayId}) at ${apiUrl}`,
    );
    expect(status.stdout).toMatch(/Bundle: v\d+ cached, verified, expires /);
    const stored = await app.deps.repos.gateways.findById(owner.orgId, gatewayId);
    expect(stored?.encryptionPublicJwk).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(stored?.encryptionPublicJwk).not.toHaveProperty("d");
  });

  it("tf run enforces the signed bundle: the upstream receives the real credential the bundle only carried sealed", async () => {
    run = await startTfRun(tf, tfHome);
    const res = await get();
    expect(res.status).toBe(200);
    expect(upstreamAuth.at(-1)).toBe(`Bearer ${secret}`);
    // HTTPS through CONNECT too, with the CA bundle `tf run` gave the agent.
    const { stdout } = await execFileAsync("curl", [
      "-sS",
      "--proxy",
      run.proxy.href,
      "--cacert",
      run.caFile,
      "-H",
      "Authorization: Bearer tf_dummy_from_the_agent",
      "https://api.example.test/data",
    ]);
    expect(JSON.parse(stdout)).toEqual({ ok: true });
    expect(upstreamAuth.at(-1)).toBe(`Bearer ${secret}`);
    const rows = await app.deps.db.prisma.bundle.findMany({ where: { gatewayId } });
    for (const row of rows) expect(row.jws).not.toContain(secret);
    await waitFor(`the gateway's ack: ${run.stderr()}`, async () => {
      const gw = await app.deps.repos.gateways.findById(owner.orgId, gatewayId);
      return gw?.ackedBundleVersion === gw?.lastBundleVersion && gw?.ackedBundleVersion !== null;
    });
  });

  it("a policy change in the API decides the gateway's next request within 2 s", async () => {
    const started = Date.now();
    const policy = await createPoliciesService(app.deps).create(owner, {
      gatewayId,
      source: {
        policy: {
          name: "freeze",
          rules: [{ name: "stop", decision: "deny", reason: "frozen by the e2e test" }],
        },
      },
    });
    expect(policy.ok).toBe(true);
    const denied = await waitFor("the policy to deny", async () => {
      const res = await get();
      return res.status === 403 ? res : undefined;
    });
    measured.policy_ms = Date.now() - started;
    expect(JSON.parse(denied.body)).toMatchObject({
      error: { code: "denied", reason: expect.stringContaining("frozen by the e2e test") },
    });
    expect(measured.policy_ms).toBeLessThan(2_000);
    if (policy.ok) await createPoliciesService(app.deps).remove(owner, policy.value.id);
    await waitFor("the removal to allow again", async () => (await get()).status === 200);
  });

  it("a kill switch activated in the API blocks the next request within 2 s", async () => {
    const started = Date.now();
    const { killSwitch } = await createKillSwitchService(app.deps).activate(owner, {
      scope: "global",
      reason: "e2e incident",
    });
    const blocked = await waitFor("the kill switch", async () => {
      const res = await get();
      return res.status === 403 ? res : undefined;
    });
    measured.kill_switch_ms = Date.now() - started;
    expect(blocked.headers["x-tameflare-kill-switch"]).toBe("active");
    expect(JSON.parse(blocked.body)).toMatchObject({ error: { code: "kill_switch" } });
    expect(measured.kill_switch_ms).toBeLessThan(2_000);
    await createKillSwitchService(app.deps).deactivate(owner, killSwitch.id);
    await waitFor("resume", async () => (await get()).status === 200);
  });

  it("the audit trail reaches the API: shipped from the spool, through the queue, into Postgres", async () => {
    const page = await waitFor(
      "audited events in Postgres",
      async () => {
        const result = await app.deps.repos.audit.query({ orgId: owner.orgId, gatewayId, limit: 100 });
        return result.ok && result.value.events.some((e) => e.decision === "deny") ? result.value : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(page.events.every((e) => e.gateway_id.startsWith(`${gatewayId}:`))).toBe(true);
    expect(JSON.stringify(page.events)).not.toContain(secret);
    // The gateway asked `audit.ingestStatus` and saw its acknowledged ranges stored.
    await waitFor("the shipped ranges confirmed stored", async () => {
      const dir = join(tfHome, "audit");
      const states = (await readdir(dir)).filter((n) => n.endsWith(".shipped"));
      if (states.length === 0) return false;
      for (const name of states) {
        const state = JSON.parse(await readFile(join(dir, name), "utf8")) as {
          offset: number;
          pending: unknown[];
        };
        const size = (await stat(join(dir, name.replace(/\.shipped$/, ".jsonl")))).size;
        if (state.pending.length > 0 || state.offset !== size) return false;
      }
      return true;
    });
  });

  it("a held request waits for a decision in the API: forwarded once approved, refused when a kill switch hits it", async () => {
    const gateways = createGatewaysService(app.deps);
    await gateways.setAccessRules(owner, gatewayId, [{ connector: "internal", preset: "require_approval" }]);
    const version = (await app.deps.repos.bundles.latest(owner.orgId, gatewayId))?.version;
    await waitFor("the gateway to apply the approval rule", () =>
      run?.stderr().includes(`bundle v${version} applied`),
    );
    const before = upstreamAuth.length;
    const held = get();
    const pending = await waitFor(`a pending approval: ${run?.stderr()}`, async () => {
      const list = await app.deps.repos.approvals.listPending(owner.orgId, { gatewayId });
      return list[0];
    });
    expect(upstreamAuth.length).toBe(before);
    await createApprovalsService(app.deps).decide(owner, { approvalId: pending.id, decision: "approve" });
    const res = await held;
    expect(res.status).toBe(200);
    expect(upstreamAuth.at(-1)).toBe(`Bearer ${secret}`);

    // A kill switch denies a request still held: it is never forwarded.
    const second = get();
    await waitFor("a second pending approval", async () =>
      (await app.deps.repos.approvals.listPending(owner.orgId, { gatewayId })).at(0),
    );
    const count = upstreamAuth.length;
    const { killSwitch } = await createKillSwitchService(app.deps).activate(owner, {
      scope: "global",
      reason: "stop held work",
    });
    const killed = await second;
    expect(killed.status).toBe(403);
    expect(["kill_switch", "approval_denied"]).toContain(JSON.parse(killed.body).error.code);
    expect(upstreamAuth.length).toBe(count);
    await createKillSwitchService(app.deps).deactivate(owner, killSwitch.id);

    await gateways.setAccessRules(owner, gatewayId, [{ connector: "internal", preset: "allow_all" }]);
    // Probing before the gateway applied it would be held for a decision: wait for the version.
    const allowAll = (await app.deps.repos.bundles.latest(owner.orgId, gatewayId))?.version;
    await waitFor("the gateway to apply allow_all", () =>
      run?.stderr().includes(`bundle v${allowAll} applied`),
    );
    expect((await get()).status).toBe(200);
  });

  it("a wrong-tenant token or a revoked token is refused by the API: tf init says so in one line", async () => {
    const otherOrg = await seedOrg(app.deps, "Other");
    const otherOwner = await seedUserSession(app.deps, [{ orgId: otherOrg, role: "owner" }]);
    const gateways = createGatewaysService(app.deps);
    const theirs = await gateways.create(
      { orgId: otherOrg, userId: otherOwner.userId, role: "owner" },
      { name: "theirs" },
    );
    const otherHome = join(workDir, "other-home");
    const wrongTenant = await execFileAsync(
      process.execPath,
      [tf, "init", "--gateway-id", gatewayId, "--gateway-token", theirs.token, "--api-url", apiUrl],
      { env: tfEnv(otherHome) },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrongTenant.stderr).toContain(
      "the API refused the registration: this token belongs to another gateway",
    );

    const doomed = await gateways.create(owner, { name: "doomed" });
    await gateways.revoke(owner, doomed.gateway.id);
    const revoked = await execFileAsync(
      process.execPath,
      [tf, "init", "--gateway-id", doomed.gateway.id, "--gateway-token", doomed.token, "--api-url", apiUrl],
      { env: tfEnv(otherHome) },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(revoked.code).toBe(1);
    expect(revoked.stderr.trim().split("\n")).toHaveLength(1);
    expect(revoked.stderr).toContain(`refused the gateway token for \`${doomed.gateway.id}\``);
    // Our own gateway's keys were not touched by the refused attempt.
    const ours = await app.deps.repos.gateways.findById(owner.orgId, gatewayId);
    expect(ours?.revokedAt).toBeNull();
  });

  it("with the API stopped, a restarted tf run keeps enforcing the cached bundle", async () => {
    if (run !== undefined) await stopTfRun(run);
    run = undefined;
    await app.close();
    run = await startTfRun(tf, tfHome);
    expect(run.stderr()).toMatch(/bundle v\d+ applied \(from the cache/);
    const res = await get();
    expect(res.status).toBe(200);
    expect(upstreamAuth.at(-1)).toBe(`Bearer ${secret}`);
    expect(run.stderr()).toContain("cannot reach the API");
    expect(run.stderr()).not.toContain(secret);
  });
});
