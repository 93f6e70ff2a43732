import { createServer } from "node:net";
import { agentErrorBodySchema } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditEvents } from "../../src/audit/spool.ts";
import { decideApproval, listApprovals } from "../../src/local/approvals-store.ts";
import { activateKillSwitch } from "../../src/local/kill-switch-store.ts";
import {
  connectTunnel,
  eventually,
  type FakeUpstream,
  type ProxiedResponse,
  startFakeUpstream,
  startTestGateway,
  type TestGateway,
  tempDir,
  testUpstreamCa,
  tlsThroughProxy,
  viaProxy,
} from "./helpers.ts";

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectContractBody(res: ProxiedResponse, code: string, status: number): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const parsed = agentErrorBodySchema.parse(JSON.parse(res.body));
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.request_id).toMatch(/^req_/);
  expect(parsed.error.docs).toContain(`#${code}`);
  expect(res.headers["x-tameflare-request-id"]).toBe(parsed.error.request_id);
  return parsed.error;
}

describe("what an agent sees: one test per row of the agent-facing table", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let upstream: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    dir = await tempDir("table");
    const ca = await testUpstreamCa(dir.path);
    upstream = await startFakeUpstream(ca.leaves, (req, res) => {
      if (req.url?.startsWith("/slow")) return; // never answers: the gateway's timeout decides
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, method: req.method, path: req.url }));
    });
    const down = await closedPort();
    gw = await startTestGateway(
      dir.path,
      `version: 1
gateway: { name: table-test, enforcement: full }
upstream_ca: ${ca.certPath}
limits: { upstream_timeout_ms: 500 }
approvals: { timeout_seconds: 30 }
connectors:
  - type: github
    credential: { value: ghp_table_secret }
    upstream: ${upstream.origin}
  - type: generic
    name: internal
    domains: [api.internal.test]
    credential: { value: internal_table_secret }
    upstream: ${upstream.origin}
  - type: generic
    name: down
    domains: [down.internal.test]
    upstream: https://localhost:${down}
  - type: generic
    name: killed
    domains: [killed.internal.test]
    upstream: ${upstream.origin}
  - type: generic
    name: held-then-killed
    domains: [held.internal.test]
    upstream: ${upstream.origin}
access_rules:
  - { connector: held-then-killed, preset: require_approval }
  - { connector: github, preset: read_only }
  - { connector: github, action: github.repo.delete, decision: deny }
  - { connector: internal, action: "http.*", decision: allow }
  - { connector: internal, action: http.post, decision: require_approval }
  - { connector: down, preset: allow_all }
  - { connector: killed, preset: allow_all }
policies:
  - name: quick-expiry
    scope: { actions: [http.patch] }
    rules:
      - name: patch needs a fast human
        decision: require_approval
        approval: { timeout_seconds: 1 }
rate_limits:
  - { action: http.put, max: 2, window_seconds: 60 }
`,
    );
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await dir?.remove();
  });

  const request = (method: string, url: string, extra: { auth?: string | undefined } = {}) =>
    viaProxy({
      proxyPort: gw.gateway.port,
      auth: "auth" in extra ? extra.auth : gw.auth,
      ca: gw.caPem,
      method,
      url,
      headers: { authorization: "Bearer tf_dummy" },
    });

  it("a request the policy denies gets 403 `denied` with the action, reason and rule", async () => {
    const res = await request("DELETE", "https://api.github.com/repos/acme/widgets");
    const e = expectContractBody(res, "denied", 403);
    expect(e.action).toBe("github.repo.delete");
    expect(e.rule).toEqual(expect.any(String));
    expect(String(e.reason)).toContain("denied");
    expect(upstream.seen.some((s) => s.method === "DELETE")).toBe(false);
  });

  it("a host no connector owns gets 403 `no_connector` naming the host", async () => {
    const res = await request("GET", "https://unknown.example.org/anything");
    const e = expectContractBody(res, "no_connector", 403);
    expect(e.host).toBe("unknown.example.org");
  });

  it("an active kill switch gets 403 `kill_switch` with X-TameFlare-Kill-Switch: active", async () => {
    await activateKillSwitch(gw.tfHome, { scope: "connector", target: "killed", reason: "incident 42" });
    const res = await request("GET", "https://killed.internal.test/status");
    const e = expectContractBody(res, "kill_switch", 403);
    expect(res.headers["x-tameflare-kill-switch"]).toBe("active");
    expect(String(e.reason)).toContain("incident 42");
    const other = await request("GET", "https://api.internal.test/still-works");
    expect(other.status).toBe(200);
  });

  it("a kill switch activated while a request is held rejects it with 403 `kill_switch`", async () => {
    const pending = request("GET", "https://held.internal.test/report");
    const approval = await eventually(async () =>
      (await listApprovals(gw.tfHome, { status: "pending" })).find(
        (a) => a.action.connector === "held-then-killed",
      ),
    );
    await activateKillSwitch(gw.tfHome, {
      scope: "connector",
      target: "held-then-killed",
      reason: "stop it",
    });
    const res = await pending;
    expectContractBody(res, "kill_switch", 403);
    expect(res.headers["x-tameflare-kill-switch"]).toBe("active");
    const [after] = (await listApprovals(gw.tfHome)).filter((a) => a.id === approval.id);
    expect(after?.status).toBe("denied");
    expect(after?.decided_by).toBe("kill-switch");
  });

  it("a held request that a person approves is forwarded with the real credential", async () => {
    const pending = request("POST", "https://api.internal.test/deploy");
    const approval = await eventually(async () =>
      (await listApprovals(gw.tfHome, { status: "pending" })).find((a) => a.action.type === "http.post"),
    );
    expect(upstream.seen.some((s) => s.url === "/deploy")).toBe(false);
    const decided = await decideApproval(gw.tfHome, approval.id, { decision: "approved", by: "alice" });
    expect(decided.ok).toBe(true);
    const res = await pending;
    expect(res.status).toBe(200);
    const seen = upstream.seen.find((s) => s.url === "/deploy");
    expect(seen?.headers.authorization).toBe("Bearer internal_table_secret");
  });

  it("a held request that a person denies gets 403 `approval_denied` with the approval id, who and the note", async () => {
    const pending = request("POST", "https://api.internal.test/drop-table");
    const approval = await eventually(async () =>
      (await listApprovals(gw.tfHome, { status: "pending" })).find((a) => a.action.type === "http.post"),
    );
    await decideApproval(gw.tfHome, approval.id, { decision: "denied", by: "bob", note: "not on a friday" });
    const e = expectContractBody(await pending, "approval_denied", 403);
    expect(e.approval_id).toBe(approval.id);
    expect(e.decided_by).toBe("bob");
    expect(e.note).toBe("not on a friday");
    expect(upstream.seen.some((s) => s.url === "/drop-table")).toBe(false);
  });

  it("a held request nobody decides in time gets 408 `approval_expired` with the approval id", async () => {
    const res = await request("PATCH", "https://api.internal.test/settings");
    const e = expectContractBody(res, "approval_expired", 408);
    expect(e.approval_id).toMatch(/^apv_/);
    const after = await listApprovals(gw.tfHome, { status: "expired" });
    expect(after.map((a) => a.id)).toContain(e.approval_id);
  });

  it("a held request whose agent goes away is cancelled and never forwarded", async () => {
    // Bodyless, inside a TLS tunnel: the lean tunnel server's path. Its close must reach the hold.
    const t = await tlsThroughProxy(gw.gateway.port, "api.internal.test", 443, gw.auth, gw.caPem);
    if ("refused" in t) throw new Error(`refused: ${t.refused.status}`);
    t.socket.write("POST /cancel-me HTTP/1.1\r\nHost: api.internal.test\r\nContent-Length: 0\r\n\r\n");
    const approval = await eventually(async () =>
      (await listApprovals(gw.tfHome, { status: "pending" })).find((a) =>
        JSON.stringify(a.action).includes("/cancel-me"),
      ),
    );
    t.socket.destroy();
    const after = await eventually(async () =>
      (await listApprovals(gw.tfHome, { status: "cancelled" })).find((a) => a.id === approval.id),
    );
    expect(after.decided_by).toBe("gateway");
    expect(upstream.seen.some((s) => s.url === "/cancel-me")).toBe(false);
  });

  it("a rate-limited request gets 429 `rate_limited` with Retry-After", async () => {
    expect((await request("PUT", "https://api.internal.test/items/1")).status).toBe(200);
    expect((await request("PUT", "https://api.internal.test/items/2")).status).toBe(200);
    const res = await request("PUT", "https://api.internal.test/items/3");
    const e = expectContractBody(res, "rate_limited", 429);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    expect(e.retry_after_seconds).toEqual(expect.any(Number));
  });

  it("missing or unknown proxy credentials get 407 `proxy_auth` with Proxy-Authenticate", async () => {
    const none = await request("GET", "http://api.internal.test/plain", { auth: undefined });
    expectContractBody(none, "proxy_auth", 407);
    expect(none.headers["proxy-authenticate"]).toMatch(/^Basic realm=/);
    const wrong = await connectTunnel(
      gw.gateway.port,
      "api.internal.test:443",
      `Basic ${Buffer.from("test-agent:wrong").toString("base64")}`,
    );
    expect("refused" in wrong).toBe(true);
    if ("refused" in wrong) {
      expectContractBody(wrong.refused, "proxy_auth", 407);
      expect(wrong.refused.headers["proxy-authenticate"]).toMatch(/^Basic/);
    }
  });

  it("an upstream that cannot be reached gets 502 `upstream_error`", async () => {
    const res = await request("GET", "https://down.internal.test/health");
    const e = expectContractBody(res, "upstream_error", 502);
    expect(String(e.message)).toContain("ECONNREFUSED");
  });

  it("an upstream that does not answer within limits.upstream_timeout_ms gets 504 `upstream_timeout`", async () => {
    const res = await request("GET", "https://api.internal.test/slow");
    expectContractBody(res, "upstream_timeout", 504);
  });

  it("a gateway without a valid policy gets 503 `no_policy` for everything (never fails open)", async () => {
    const other = await tempDir("nopolicy");
    const broken = await startTestGateway(other.path, "version: 1\nconnectors: [ { type: nope } ]\n");
    try {
      const res = await viaProxy({
        proxyPort: broken.gateway.port,
        auth: broken.auth,
        ca: broken.caPem,
        url: "https://api.internal.test/x",
      });
      expectContractBody(res, "no_policy", 503);
      expect(broken.logs.some((l) => l.includes("invalid") && l.includes("503"))).toBe(true);
    } finally {
      await broken.close();
      await other.remove();
    }
  });

  it("every answered request above is in the audit spool, without credentials", async () => {
    const events = [];
    for await (const e of readAuditEvents(gw.tfHome)) events.push(e);
    const codes = new Set(events.map((e) => e.error_code));
    for (const code of [
      "denied",
      "no_connector",
      "kill_switch",
      "approval_denied",
      "approval_expired",
      "rate_limited",
      "proxy_auth",
      "upstream_error",
      "upstream_timeout",
    ]) {
      expect(codes, code).toContain(code);
    }
    const text = JSON.stringify(events);
    expect(text).not.toContain("ghp_table_secret");
    expect(text).not.toContain("internal_table_secret");
  });
});
