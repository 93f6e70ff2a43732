import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import type { AuditEvent } from "@tameflare/contracts";
import { type AuditFilter, readAuditEvents } from "../../src/audit/spool.ts";
import { type RunningGateway, type StartGatewayOptions, startGateway } from "../../src/gateway.ts";
import { ensureCaLoaded } from "../../src/tls/ca.ts";
import { LeafCertificates } from "../../src/tls/leaf-certs.ts";

export const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `tf-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A CA for the fake upstreams (stands for a corporate root: the document's `upstream_ca`). */
export async function testUpstreamCa(dir: string): Promise<{ certPath: string; leaves: LeafCertificates }> {
  const ca = await ensureCaLoaded(join(dir, "upstream-ca"));
  return { certPath: ca.certPath, leaves: new LeafCertificates(ca) };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeUpstream {
  port: number;
  /** `https://localhost:PORT` (a host name: the cert carries it). */
  origin: string;
  server: https.Server;
  /** Requests seen, in order. */
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 with a `localhost` certificate from the test CA. */
export async function startFakeUpstream(
  leaves: LeafCertificates,
  handler: Handler,
  options: { plain?: boolean } = {},
): Promise<FakeUpstream> {
  const seen: FakeUpstream["seen"] = [];
  const wrapped: Handler = (req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    handler(req, res);
  };
  const server = options.plain
    ? (http.createServer(wrapped) as unknown as https.Server)
    : https.createServer(
        {
          SNICallback: (name, cb) =>
            leaves.contextFor(name).then(
              (c) => cb(null, c),
              (e: Error) => cb(e, undefined),
            ),
        },
        wrapped,
      );
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    origin: `${options.plain ? "http" : "https"}://localhost:${port}`,
    server,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestGateway {
  gateway: RunningGateway;
  tfHome: string;
  configPath: string;
  logs: string[];
  /** `Basic …` for the test agent. */
  auth: string;
  agentName: string;
  caPem: string;
  close(): Promise<void>;
}

/** Starts a gateway in this process on a document written to a fresh TF_HOME. */
export async function startTestGateway(
  dir: string,
  yaml: string,
  extra: Partial<StartGatewayOptions> = {},
): Promise<TestGateway> {
  const tfHome = join(dir, "tfhome");
  const configPath = join(dir, "tameflare.yaml");
  await mkdir(dir, { recursive: true });
  await writeFile(configPath, yaml);
  const logs: string[] = [];
  const gateway = await startGateway({ tfHome, configPath, logger: (l) => logs.push(l), ...extra });
  const agentName = "test-agent";
  const { username, password } = gateway.addAgent(agentName);
  const caPem = await readFile(gateway.caCertPath, "utf8");
  return {
    gateway,
    tfHome,
    configPath,
    logs,
    auth: basic(username, password),
    agentName,
    caPem,
    close: () => gateway.close(),
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export interface ProxiedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ProxiedRequest {
  proxyPort: number;
  /** Proxy-Authorization value; omitted when undefined. */
  auth: string | undefined;
  /** Trusted by the client for https targets (the gateway CA). */
  ca: string;
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
}

/** Opens a CONNECT tunnel; resolves the socket, or the proxy's refusal as a response. */
export function connectTunnel(
  proxyPort: number,
  authority: string,
  auth: string | undefined,
): Promise<{ socket: Socket } | { refused: ProxiedResponse }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port: proxyPort,
      method: "CONNECT",
      path: authority,
      headers: { host: authority, ...(auth !== undefined ? { "proxy-authorization": auth } : {}) },
      agent: false,
    });
    req.once("connect", (res, socket, head) => {
      if (res.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve({ socket });
        return;
      }
      const chunks: Buffer[] = [head];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.once("close", () =>
        resolve({
          refused: {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          },
        }),
      );
    });
    req.once("error", reject);
    req.end();
  });
}

/** A TLS connection to `host` through the proxy, trusting `ca`. */
export async function tlsThroughProxy(
  proxyPort: number,
  host: string,
  port: number,
  auth: string | undefined,
  ca: string,
): Promise<{ socket: tls.TLSSocket } | { refused: ProxiedResponse }> {
  const tunnel = await connectTunnel(proxyPort, `${host}:${port}`, auth);
  if ("refused" in tunnel) return tunnel;
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: tunnel.socket, servername: host, ca, ALPNProtocols: ["http/1.1"] }, () =>
      resolve(s),
    );
    s.once("error", reject);
  });
  return { socket };
}

/** One request through the proxy: absolute-form for http://, CONNECT + TLS for https://. */
export async function viaProxy(r: ProxiedRequest): Promise<ProxiedResponse> {
  const msg = await openViaProxy(r);
  if (!(msg instanceof http.IncomingMessage)) return msg;
  const chunks: Buffer[] = [];
  for await (const c of msg) chunks.push(c as Buffer);
  return { status: msg.statusCode ?? 0, headers: msg.headers, body: Buffer.concat(chunks).toString() };
}

/** Like viaProxy, resolving as soon as the response head arrives (the body is a stream). */
export async function openViaProxy(r: ProxiedRequest): Promise<IncomingMessage | ProxiedResponse> {
  const u = new URL(r.url);
  const headers: Record<string, string> = { host: u.host, ...r.headers };
  let request: http.ClientRequest;
  if (u.protocol === "http:") {
    if (r.auth !== undefined) headers["proxy-authorization"] = r.auth;
    request = http.request({
      host: "127.0.0.1",
      port: r.proxyPort,
      method: r.method ?? "GET",
      path: r.url,
      headers,
      agent: false,
    });
  } else {
    const t = await tlsThroughProxy(r.proxyPort, u.hostname, Number(u.port || 443), r.auth, r.ca);
    if ("refused" in t) return t.refused;
    request = http.request({
      method: r.method ?? "GET",
      path: `${u.pathname}${u.search}`,
      headers,
      createConnection: () => t.socket,
    });
  }
  return new Promise((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
    const body = r.body;
    if (body instanceof Readable) body.pipe(request);
    else request.end(body);
  });
}

/** Parses an agent error body (throws when it is not one). */
export function errorBody(res: ProxiedResponse): Record<string, unknown> {
  return (JSON.parse(res.body) as { error: Record<string, unknown> }).error;
}

/** Waits for a condition by polling (for effects in other processes or on the filesystem). */
export async function eventually<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts `fixtures/gateway-child.ts` in its own process; resolves its port and agent once listening. */
export async function startGatewayChild(
  tfHome: string,
  configPath: string,
): Promise<{
  child: ChildProcess;
  port: number;
  auth: string;
  caPem: string;
  pid: number;
  stop: () => Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(fixturesDir, "gateway-child.ts"), configPath, tfHome],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve(out.slice(0, nl));
    });
    child.once("exit", (code) => reject(new Error(`gateway child exited ${code}: ${stderr}`)));
  });
  const info = JSON.parse(line) as { port: number; username: string; password: string; caPem: string };
  return {
    child,
    port: info.port,
    auth: basic(info.username, info.password),
    caPem: info.caPem,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Every audit event under TF_HOME (all spool files), filtered. */
export async function auditEvents(tfHome: string, filter?: AuditFilter): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of readAuditEvents(tfHome, filter)) out.push(e);
  return out;
}
