import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { auditEventSchema } from "@tameflare/contracts";
import { ProxyAgent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/spool.ts";
import { listApprovals } from "../../src/local/approvals-store.ts";
import {
  eventually,
  type FakeUpstream,
  fixturesDir,
  startFakeUpstream,
  startGatewayChild,
  startTestGateway,
  tempDir,
  testUpstreamCa,
  viaProxy,
} from "./helpers.ts";

const run = promisify(execFile);

describe("durability across processes", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: Awaited<ReturnType<typeof testUpstreamCa>>;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    dir = await tempDir("durable");
    ca = await testUpstreamCa(dir.path);
    upstream = await startFakeUpstream(ca.leaves, (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(String(req.headers["x-tameflare-request-id"]));
    });
  });

  afterAll(async () => {
    await upstream?.close();
    await dir?.remove();
  });

  const doc = (extra = "") => `version: 1
upstream_ca: ${ca.certPath}
connectors:
  - type: generic
    name: api
    domains: [api.durable.test]
    upstream: ${upstream.origin}
access_rules:
  - { connector: api, preset: allow_all }
${extra}`;

  it("kill -9 of the gateway mid-traffic loses no event of a request that was answered", async () => {
    const tfHome = join(dir.path, "kill9-home");
    const configPath = join(dir.path, "kill9.yaml");
    await writeFile(configPath, doc());
    const child = await startGatewayChild(tfHome, configPath);
    const dispatchers = Array.from(
      { length: 8 },
      () =>
        new ProxyAgent({
          uri: `http://127.0.0.1:${child.port}`,
          token: child.auth,
          requestTls: { ca: child.caPem },
        }),
    );
    const answered: string[] = [];
    let killed = false;
    const worker = async (dispatcher: ProxyAgent) => {
      while (!killed) {
        try {
          const res = await request("https://api.durable.test/work", { dispatcher });
          const id = await res.body.text();
          if (res.statusCode === 200) answered.push(id);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const workers = dispatchers.map((d) => worker(d));
    await eventually(() => answered.length >= 200 || undefined, 30_000);
    const exited = new Promise((resolve) => child.child.once("exit", resolve));
    child.child.kill("SIGKILL");
    killed = true;
    await exited;
    await Promise.all(workers);
    await Promise.all(dispatchers.map((d) => d.destroy()));

    const files = await readdir(join(tfHome, "audit"));
    expect(files).toHaveLength(1);
    const text = await readFile(join(tfHome, "audit", files[0] as string), "utf8");
    const lines = text.split("\n").filter((l) => l !== "");
    // Only the last line can be torn by the kill; every complete one is a valid event.
    const events = lines
      .map((l) => auditEventSchema.safeParse(JSON.parse(l)))
      .filter((r) => r.success)
      .map((r) => r.data);
    expect(events.length).toBeGreaterThanOrEqual(lines.length - 1);
    const recorded = new Set(events.map((e) => e.request_id));
    const lost = answered.filter((id) => !recorded.has(id));
    expect(lost).toEqual([]);
    expect(verifyAuditChain(events)).toBeUndefined();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it("a held request is forwarded once another process approves it through the TF_HOME files", async () => {
    const gw = await startTestGateway(
      join(dir.path, "held"),
      doc(`  - { connector: api, action: http.post, decision: require_approval }\n`),
    );
    try {
      const pending = viaProxy({
        proxyPort: gw.gateway.port,
        auth: gw.auth,
        ca: gw.caPem,
        method: "POST",
        url: "https://api.durable.test/release",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
      const approval = await eventually(
        async () => (await listApprovals(gw.tfHome, { status: "pending" }))[0],
      );
      expect(approval.agent).toBe(gw.agentName);
      expect(approval.action.type).toBe("http.post");
      const { stdout } = await run(process.execPath, [
        "--import",
        "tsx",
        join(fixturesDir, "decide.ts"),
        gw.tfHome,
        approval.id,
        "approved",
        "carol",
      ]);
      expect(JSON.parse(stdout).ok).toBe(true);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^req_/);
      const [after] = await listApprovals(gw.tfHome);
      expect(after?.status).toBe("approved");
      expect(after?.decided_by).toBe("carol");
    } finally {
      await gw.close();
    }
  });
});
