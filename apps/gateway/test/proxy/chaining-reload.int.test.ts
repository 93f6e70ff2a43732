import { writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  eventually,
  type FakeUpstream,
  startFakeUpstream,
  startTestGateway,
  tempDir,
  testUpstreamCa,
  viaProxy,
} from "./helpers.ts";

/** A tiny corporate proxy: CONNECT tunnels and absolute-form requests, recording what it saw. */
async function startTinyProxy(): Promise<{ port: number; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    const out = http.request(
      {
        host: "127.0.0.1",
        port: Number(target.port),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        ures.pipe(res);
      },
    );
    req.pipe(out);
  });
  server.on("connect", (req, socket: net.Socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.once("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("upstream proxy chaining", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let upstream: FakeUpstream;
  let plain: FakeUpstream;
  let corp: Awaited<ReturnType<typeof startTinyProxy>>;
  let caPath: string;

  beforeAll(async () => {
    dir = await tempDir("chain");
    const ca = await testUpstreamCa(dir.path);
    upstream = await startFakeUpstream(ca.leaves, (req, res) => res.end(`tls ${req.url}`));
    plain = await startFakeUpstream(ca.leaves, (req, res) => res.end(`plain ${req.url}`), { plain: true });
    corp = await startTinyProxy();
    caPath = ca.certPath;
  });

  afterAll(async () => {
    await corp?.close();
    await upstream?.close();
    await plain?.close();
    await dir?.remove();
  });

  it("https upstreams are reached by CONNECT through upstream_proxy, http ones in absolute form", async () => {
    const gw = await startTestGateway(
      dir.path,
      `version: 1
upstream_ca: ${caPath}
upstream_proxy: http://127.0.0.1:${corp.port}
connectors:
  - type: github
    credential: { value: ghp_chained }
    upstream: ${upstream.origin}
  - type: generic
    name: local-api
    domains: ["localhost:${plain.port}"]
access_rules:
  - { connector: github, preset: allow_all }
  - { connector: local-api, preset: allow_all }
`,
    );
    try {
      const secure = await viaProxy({
        proxyPort: gw.gateway.port,
        auth: gw.auth,
        ca: gw.caPem,
        url: "https://api.github.com/user",
      });
      expect(secure.status).toBe(200);
      expect(secure.body).toBe("tls /user");
      expect(upstream.seen.at(-1)?.headers.authorization).toBe("Bearer ghp_chained");
      const insecure = await viaProxy({
        proxyPort: gw.gateway.port,
        auth: gw.auth,
        ca: gw.caPem,
        url: `http://localhost:${plain.port}/items`,
      });
      expect(insecure.body).toBe("plain /items");
      expect(corp.seen).toContain(`CONNECT localhost:${upstream.port}`);
      expect(corp.seen).toContain(`GET http://localhost:${plain.port}/items`);
    } finally {
      await gw.close();
    }
  });
});

describe("hot reload", () => {
  it("an edit applies to the next request; an invalid edit keeps the last good document and says why", async () => {
    const dir = await tempDir("reload");
    const ca = await testUpstreamCa(dir.path);
    const upstream = await startFakeUpstream(ca.leaves, (_req, res) => res.end("ok"));
    const doc = (rule: string, enforcement = "full") => `version: 1
gateway: { name: reload-test, enforcement: ${enforcement} }
upstream_ca: ${ca.certPath}
connectors:
  - type: generic
    name: api
    domains: [api.reload.test]
    upstream: ${upstream.origin}
access_rules:
  - ${rule}
`;
    const gw = await startTestGateway(dir.path, doc("{ connector: api, preset: allow_all }"));
    const get = () =>
      viaProxy({
        proxyPort: gw.gateway.port,
        auth: gw.auth,
        ca: gw.caPem,
        url: "https://api.reload.test/things",
      });
    try {
      expect((await get()).status).toBe(200);
      const first = gw.gateway.policyVersion();

      await writeFile(gw.configPath, doc("{ connector: api, action: http.get, decision: deny }"));
      await eventually(() => gw.gateway.policyVersion() !== first || undefined);
      expect(gw.logs.some((l) => l.startsWith("policy: reloaded"))).toBe(true);
      expect((await get()).status).toBe(403);
      const denyVersion = gw.gateway.policyVersion();

      await writeFile(gw.configPath, "version: 1\naccess_rules: [ { connector: nope } ]\n");
      const why = await eventually(() => gw.logs.find((l) => l.includes("is invalid, keeping version")));
      expect(why).toContain("access_rules");
      expect(gw.gateway.policyVersion()).toBe(denyVersion);
      expect((await get()).status).toBe(403);

      // Monitor mode never blocks: the deny is recorded, the request goes through.
      await writeFile(gw.configPath, doc("{ connector: api, action: http.get, decision: deny }", "monitor"));
      await eventually(() => gw.gateway.policyVersion() !== denyVersion || undefined);
      expect((await get()).status).toBe(200);
      const events = await auditEvents(gw.tfHome, { action: "http.get" });
      const last = events.at(-1);
      expect(last?.decision).toBe("deny");
      expect(last?.enforced).toBe("allow");
      expect(last?.mode).toBe("monitor");
      expect(last?.status).toBe(200);
    } finally {
      await gw.close();
      await upstream.close();
      await dir.remove();
    }
  });
});
