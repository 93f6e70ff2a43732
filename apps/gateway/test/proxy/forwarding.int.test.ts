import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import http, { type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import {
  auditEvents,
  connectTunnel,
  eventually,
  type FakeUpstream,
  openViaProxy,
  startFakeUpstream,
  startTestGateway,
  type TestGateway,
  tempDir,
  testUpstreamCa,
  tlsThroughProxy,
  viaProxy,
} from "./helpers.ts";

const realSecret = `ghp_canary_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}`;
const openaiSecret = `sk-real-${Math.random().toString(36).slice(2)}`;

describe("forwarding", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: Awaited<ReturnType<typeof testUpstreamCa>>;
  let upstream: FakeUpstream;
  let plain: FakeUpstream;
  let gw: TestGateway;
  let wss: WebSocketServer;
  let releaseSse: (() => void) | undefined;

  beforeAll(async () => {
    dir = await tempDir("fwd");
    ca = await testUpstreamCa(dir.path);
    upstream = await startFakeUpstream(ca.leaves, (req, res) => {
      const url = req.url ?? "";
      if (url.endsWith("/echo")) {
        // A careless API that echoes the credential back, split across two body chunks.
        const auth = String(req.headers.authorization ?? "");
        const body = `{"you_sent":"${auth}","again":"${auth}"}`;
        const cut = body.indexOf(auth) + Math.floor(auth.length / 2);
        res.writeHead(200, { "content-type": "application/json", "x-echo-authorization": auth });
        res.write(body.slice(0, cut));
        setImmediate(() => res.end(body.slice(cut)));
        return;
      }
      if (url.startsWith("/v1/embeddings")) {
        const hash = createHash("sha256");
        let bytes = 0;
        req.on("data", (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        req.on("end", () => res.end(JSON.stringify({ bytes, sha256: hash.digest("hex") })));
        return;
      }
      if (url.startsWith("/v1/chat/completions")) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write('data: {"delta":"first"}\n\n');
        releaseSse = () => {
          res.write('data: {"delta":"second"}\n\n');
          res.end("data: [DONE]\n\n");
        };
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, path: url }));
    });
    wss = new WebSocketServer({ server: upstream.server });
    wss.on("connection", (socket, req) => {
      socket.send(`hello ${req.headers["x-tameflare-agent"]}`);
      socket.on("message", (data) => socket.send(`echo:${data.toString()}`));
    });
    plain = await startFakeUpstream(
      ca.leaves,
      (req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`plain ${req.url} agent=${req.headers["x-tameflare-agent"]}`);
      },
      { plain: true },
    );
    gw = await startTestGateway(
      dir.path,
      `version: 1
gateway: { name: fwd-test, enforcement: full }
upstream_ca: ${ca.certPath}
exclude_domains: [127.0.0.1]
limits: { body_prefix_bytes: 65536 }
connectors:
  - type: github
    credential: { value: ${realSecret} }
    upstream: ${upstream.origin}
  - type: openai
    credential: { value: ${openaiSecret} }
    upstream: ${upstream.origin}
  - type: generic
    name: sockets
    domains: [ws.internal.test]
    upstream: ${upstream.origin}
  - type: generic
    name: blocked-sockets
    domains: [wsblocked.internal.test]
    upstream: ${upstream.origin}
  - type: generic
    name: local-api
    domains: ["localhost:${plain.port}"]
access_rules:
  - { connector: github, preset: read_only }
  - { connector: github, action: github.repo.delete, decision: deny }
  - { connector: openai, preset: allow_all }
  - { connector: sockets, preset: allow_all }
  - { connector: blocked-sockets, action: "http.*", decision: allow }
  - { connector: blocked-sockets, action: http.websocket, decision: deny }
  - { connector: local-api, preset: allow_all }
`,
    );
  });

  afterAll(async () => {
    await gw?.close();
    wss?.close();
    await upstream?.close();
    await plain?.close();
    await dir?.remove();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    viaProxy({ proxyPort: gw.gateway.port, auth: gw.auth, ca: gw.caPem, url, headers });

  it("the upstream receives the real credential, the request id and the agent, never the proxy credentials", async () => {
    const res = await get("https://api.github.com/repos/acme/widgets", {
      authorization: "Bearer tf_dummy_github",
      "x-custom": "kept",
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1);
    expect(seen?.headers.authorization).toBe(`Bearer ${realSecret}`);
    expect(seen?.headers["x-tameflare-request-id"]).toMatch(/^req_[A-Za-z0-9]+$/);
    expect(seen?.headers["x-tameflare-agent"]).toBe(gw.agentName);
    expect(seen?.headers["proxy-authorization"]).toBeUndefined();
    expect(seen?.headers["proxy-connection"]).toBeUndefined();
    expect(seen?.headers["x-custom"]).toBe("kept");
    expect(seen?.url).toBe("/repos/acme/widgets");
  });

  it("a request without a body goes upstream without one (no chunked framing on a GET)", async () => {
    const res = await get("https://api.github.com/repos/acme/widgets?page=2");
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1);
    expect(seen?.url).toBe("/repos/acme/widgets?page=2");
    expect(seen?.headers["transfer-encoding"]).toBeUndefined();
    expect(seen?.headers["content-length"]).toBeUndefined();
  });

  it("a loopback http target is matched by the generic connector and forwarded in absolute form", async () => {
    const res = await get(`http://localhost:${plain.port}/api/items?x=1`);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`plain /api/items?x=1 agent=${gw.agentName}`);
  });

  it("canary: the real secret never reaches the agent, the logs, the audit spool or an error body", async () => {
    const echoed = await get("https://api.github.com/repos/acme/widgets/echo", {
      authorization: "token tf_dummy",
    });
    expect(echoed.status).toBe(200);
    expect(JSON.stringify(echoed.headers)).not.toContain(realSecret);
    expect(echoed.body).not.toContain(realSecret);
    expect(echoed.headers["x-echo-authorization"]).toContain("[REDACTED-BY-TAMEFLARE]");
    expect(echoed.body).toContain("[REDACTED-BY-TAMEFLARE]");
    expect(echoed.body.length).toBe(
      `{"you_sent":"Bearer ${realSecret}","again":"Bearer ${realSecret}"}`.length,
    );
    const denied = await viaProxy({
      proxyPort: gw.gateway.port,
      auth: gw.auth,
      ca: gw.caPem,
      method: "DELETE",
      url: "https://api.github.com/repos/acme/widgets",
    });
    expect(denied.status).toBe(403);
    expect(denied.body).not.toContain(realSecret);

    expect(gw.logs.length).toBeGreaterThan(0);
    for (const line of gw.logs) expect(line).not.toContain(realSecret);
    const auditDir = join(gw.tfHome, "audit");
    for (const name of await readdir(auditDir)) {
      expect(await readFile(join(auditDir, name), "utf8")).not.toContain(realSecret);
    }
  });

  it("SSE: the first event reaches the agent before the upstream ends the stream", async () => {
    const res = (await openViaProxy({
      proxyPort: gw.gateway.port,
      auth: gw.auth,
      ca: gw.caPem,
      method: "POST",
      url: "https://api.openai.com/v1/chat/completions",
      headers: { "content-type": "application/json", authorization: "Bearer tf_dummy" },
      body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [] }),
    })) as IncomingMessage;
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream");
    const chunks: string[] = [];
    const first = await new Promise<string>((resolve) =>
      res.once("data", (c: Buffer) => resolve(c.toString())),
    );
    chunks.push(first);
    expect(first).toContain('"first"');
    expect(releaseSse).toBeDefined();
    releaseSse?.();
    for await (const c of res) chunks.push((c as Buffer).toString());
    expect(chunks.join("")).toContain("[DONE]");
    expect(upstream.seen.find((s) => s.url === "/v1/chat/completions")?.headers.authorization).toBe(
      `Bearer ${openaiSecret}`,
    );
  });

  const embed = (body: string) =>
    viaProxy({
      proxyPort: gw.gateway.port,
      auth: gw.auth,
      ca: gw.caPem,
      method: "POST",
      url: "https://api.openai.com/v1/embeddings",
      headers: { "content-type": "application/json" },
      body,
    });

  it("a body the connector reads is buffered as a prefix, then replayed to the upstream intact", async () => {
    const body = JSON.stringify({ model: "text-embedding-3-small", input: "x".repeat(40_000) });
    const res = await embed(body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      bytes: Buffer.byteLength(body),
      sha256: createHash("sha256").update(body).digest("hex"),
    });
  });

  it("a body larger than limits.body_prefix_bytes is denied with a clear reason by default", async () => {
    const res = await embed(JSON.stringify({ model: "text-embedding-3-small", input: "x".repeat(200_000) }));
    expect(res.status).toBe(403);
    const error = JSON.parse(res.body).error;
    expect(error.code).toBe("denied");
    expect(error.reason).toContain("body_prefix_bytes");
    expect(error.reason).toContain("on_truncated_body");
  });

  it("plain HTTP inside a CONNECT tunnel is governed like any request (keep-alive included)", async () => {
    const tunnel = await connectTunnel(gw.gateway.port, `localhost:${plain.port}`, gw.auth);
    if ("refused" in tunnel) throw new Error(`refused: ${tunnel.refused.status}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    Object.assign(agent, { createConnection: () => tunnel.socket });
    try {
      for (const path of ["/first", "/second"]) {
        const text = await new Promise<string>((resolve, reject) => {
          const req = http.request({ path, agent, headers: { host: `localhost:${plain.port}` } });
          req.once("response", (r) => {
            let t = "";
            r.on("data", (c: Buffer) => {
              t += c.toString();
            });
            r.on("end", () => resolve(t));
          });
          req.once("error", reject);
          req.end();
        });
        expect(text).toBe(`plain ${path} agent=${gw.agentName}`);
      }
    } finally {
      agent.destroy();
    }
  });

  it("one kept-alive TLS tunnel carries bodyless requests, then an upload, then more requests", async () => {
    // Bodyless requests are served by the lean tunnel server; the POST moves the connection to
    // Node's http server. The agent sees one connection that just works, every request governed.
    const t = await tlsThroughProxy(gw.gateway.port, "api.openai.com", 443, gw.auth, gw.caPem);
    if ("refused" in t) throw new Error(`refused: ${t.refused.status}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    Object.assign(agent, { createConnection: () => t.socket });
    const upload = Buffer.from(
      JSON.stringify({ model: "text-embedding-3-small", input: "tameflare ".repeat(2_000) }),
    );
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; text: string; socket: unknown }>((resolve, reject) => {
        const req = http.request({
          method,
          path,
          agent,
          headers: {
            host: "api.openai.com",
            authorization: "Bearer sk-dummy",
            ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
          },
        });
        req.once("response", (r) => {
          let text = "";
          r.on("data", (c: Buffer) => {
            text += c.toString();
          });
          r.on("end", () => resolve({ status: r.statusCode ?? 0, text, socket: r.socket }));
        });
        req.once("error", reject);
        req.end(body);
      });
    try {
      const before = upstream.seen.length;
      const first = await send("GET", "/v1/models?limit=2");
      const second = await send("DELETE", "/v1/files/file-1");
      const posted = await send("POST", "/v1/embeddings", upload);
      const after = await send("GET", "/v1/models/after");
      expect([first.status, second.status, posted.status, after.status]).toEqual([200, 200, 200, 200]);
      expect(JSON.parse(first.text)).toEqual({ ok: true, path: "/v1/models?limit=2" });
      expect(JSON.parse(second.text)).toEqual({ ok: true, path: "/v1/files/file-1" });
      expect(JSON.parse(posted.text)).toEqual({
        bytes: upload.length,
        sha256: createHash("sha256").update(upload).digest("hex"),
      });
      expect(JSON.parse(after.text)).toEqual({ ok: true, path: "/v1/models/after" });
      // One connection from the agent's side for all four.
      expect(new Set([first.socket, second.socket, posted.socket, after.socket]).size).toBe(1);
      const seen = upstream.seen.slice(before);
      expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        "GET /v1/models?limit=2",
        "DELETE /v1/files/file-1",
        "POST /v1/embeddings",
        "GET /v1/models/after",
      ]);
      for (const s of seen) expect(s.headers.authorization).toBe(`Bearer ${openaiSecret}`);
    } finally {
      agent.destroy();
    }
  });

  it("when the agent closes its tunnel, the gateway closes its side (no half-open socket left)", async () => {
    const t = await tlsThroughProxy(gw.gateway.port, "api.github.com", 443, gw.auth, gw.caPem);
    if ("refused" in t) throw new Error(`refused: ${t.refused.status}`);
    let text = "";
    t.socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    t.socket.write("GET /repos/acme/widgets HTTP/1.1\r\nHost: api.github.com\r\n\r\n");
    await eventually(() => (text.includes('"ok":true') ? true : undefined));
    const closed = new Promise<void>((resolve) => t.socket.once("close", () => resolve()));
    // close_notify and FIN: the gateway must answer with its own, not wait 30 s for a timeout.
    t.socket.end();
    await closed;
    expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  });

  it("an allowed WebSocket upgrade is tunnelled both ways and audited with its byte counts", async () => {
    const t = await tlsThroughProxy(gw.gateway.port, "ws.internal.test", 443, gw.auth, gw.caPem);
    if ("refused" in t) throw new Error(`refused: ${t.refused.status}`);
    const ws = new WebSocket("wss://ws.internal.test/stream", { createConnection: () => t.socket });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.on("message", (data) => {
        messages.push(data.toString());
        if (messages.length === 1) ws.send("ping");
        if (messages.length === 2) ws.close();
      });
      ws.on("close", () => resolve());
      ws.on("error", reject);
    });
    await done;
    expect(messages).toEqual([`hello ${gw.agentName}`, "echo:ping"]);
    // The close event is written when both sides have closed: wait for it.
    const events = await eventually(async () => {
      const all = await auditEvents(gw.tfHome, { action: "http.websocket" });
      return all.some((e) => e.connector === "sockets" && e.bytes_out !== null) ? all : undefined;
    });
    const [open, close] = events.filter((e) => e.connector === "sockets");
    expect(open?.status).toBe(101);
    expect(open?.bytes_out).toBeNull();
    expect(close?.request_id).toBe(open?.request_id);
    expect(close?.bytes_in).toBeGreaterThan(0);
    expect(close?.bytes_out).toBeGreaterThan(0);
  });

  it("a denied WebSocket upgrade gets 403 JSON and never reaches the upstream", async () => {
    const t = await tlsThroughProxy(gw.gateway.port, "wsblocked.internal.test", 443, gw.auth, gw.caPem);
    if ("refused" in t) throw new Error(`refused: ${t.refused.status}`);
    const before = upstream.seen.length;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        path: "/stream",
        headers: {
          host: "wsblocked.internal.test",
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        createConnection: () => t.socket,
      });
      req.once("response", (r) => {
        let body = "";
        r.on("data", (c: Buffer) => {
          body += c.toString();
        });
        r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.once("upgrade", () => reject(new Error("upgraded")));
      req.once("error", reject);
      req.end();
    });
    expect(res.status).toBe(403);
    const parsed = JSON.parse(res.body) as { error: { code: string; action: string } };
    expect(parsed.error.code).toBe("denied");
    expect(parsed.error.action).toBe("http.websocket");
    expect(upstream.seen.length).toBe(before);
  });

  it("exclude_domains: CONNECT is tunnelled without interception and audited as bypass", async () => {
    const tunnel = await connectTunnel(gw.gateway.port, `127.0.0.1:${upstream.port}`, gw.auth);
    if ("refused" in tunnel) throw new Error(`refused: ${tunnel.refused.status}`);
    const upstreamCa = await readFile(ca.certPath, "utf8");
    // The client only trusts the upstream's CA: a handshake that succeeds was not intercepted.
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect(
        { socket: tunnel.socket as Socket, servername: "localhost", ca: upstreamCa },
        () => resolve(s),
      );
      s.once("error", reject);
    });
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        path: "/bypassed",
        headers: { host: "localhost" },
        createConnection: () => socket,
      });
      req.once("response", (r) => {
        let text = "";
        r.on("data", (c: Buffer) => {
          text += c.toString();
        });
        r.on("end", () => resolve(text));
      });
      req.once("error", reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ ok: true, path: "/bypassed" });
    expect(upstream.seen.at(-1)?.headers["x-tameflare-request-id"]).toBeUndefined();
    socket.destroy();
    const closed = await eventually(async () =>
      (await auditEvents(gw.tfHome, { decision: "bypass" })).find(
        (e) => e.method === "CONNECT" && e.bytes_out !== null,
      ),
    );
    expect(closed.host).toBe("127.0.0.1");
    expect(closed.connector).toBeNull();
    expect(closed?.bytes_out).toBeGreaterThan(0);
  });
});
