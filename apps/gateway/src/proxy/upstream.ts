import http from "node:http";
import https from "node:https";
import net, { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { H1Pool, UpstreamError } from "./h1-client.ts";

/** Where a request is sent: the real host, or a connector's `upstream` override. */
export interface UpstreamOrigin {
  scheme: "http" | "https";
  host: string;
  port: number;
  /** Path prefix of an `upstream` override (`https://ghe.corp/api`), "" when none. */
  basePath: string;
}

export interface UpstreamTrust {
  /**
   * Trusted roots for upstream TLS, built once; undefined means Node's defaults. A shared
   * SecureContext (not a `ca` list) keeps the agent's per-request key short and spares a
   * context build per connection.
   */
  secureContext: tls.SecureContext | undefined;
  /** `upstream_proxy` of the document. */
  proxy: URL | undefined;
}

const agentOptions = { keepAlive: true, maxFreeSockets: 256, scheduling: "lifo", timeout: 30_000 } as const;

/**
 * Keep-alive agents, one per upstream origin, for one trust configuration (CA list and
 * upstream proxy). A document with another trust configuration gets a new pool; the old
 * one's idle sockets are closed.
 */
export class UpstreamPool {
  readonly trust: UpstreamTrust;
  readonly #agents = new Map<string, http.Agent>();
  readonly #clients = new Map<string, H1Pool>();
  /** The last TLS session per origin, offered when opening the next connection (resumption). */
  readonly #sessions = new Map<string, Buffer>();
  readonly #proxyAuth: string | undefined;

  constructor(trust: UpstreamTrust) {
    this.trust = trust;
    const p = trust.proxy;
    this.#proxyAuth =
      p && (p.username !== "" || p.password !== "")
        ? `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString("base64")}`
        : undefined;
  }

  /** True when requests to plain-http origins go to the upstream proxy in absolute form. */
  get httpViaProxy(): boolean {
    return this.trust.proxy !== undefined;
  }

  agentFor(origin: UpstreamOrigin): http.Agent {
    const key = `${origin.scheme}://${origin.host}:${origin.port}`;
    const existing = this.#agents.get(key);
    if (existing) return existing;
    let agent: http.Agent;
    if (origin.scheme === "https") {
      const options: https.AgentOptions = { ...agentOptions };
      if (this.trust.secureContext) options.secureContext = this.trust.secureContext;
      agent = this.trust.proxy ? new TunnelAgent(options, this) : new https.Agent(options);
    } else {
      agent = new http.Agent(agentOptions);
    }
    this.#agents.set(key, agent);
    return agent;
  }

  /**
   * The keep-alive connections (`H1Pool`) that HTTP requests to `origin` go out on: to the
   * origin itself, or to the upstream proxy for plain-http origins (absolute-form requests,
   * see `requestTarget`); https through an upstream proxy is TLS inside a CONNECT tunnel.
   * `timeoutMs` bounds TCP + TLS setup and every idle wait of an exchange (a pool per value:
   * it rarely changes).
   */
  clientFor(origin: UpstreamOrigin, timeoutMs: number): H1Pool {
    const key = `${origin.scheme}://${hostPort(origin.host, origin.port, -1)}|${timeoutMs}`;
    const existing = this.#clients.get(key);
    if (existing) return existing;
    const client = new H1Pool({
      timeoutMs,
      keepAliveMs: 30_000,
      connect: (callback) => this.#connect(origin, timeoutMs, callback),
    });
    this.#clients.set(key, client);
    return client;
  }

  #connect(
    origin: UpstreamOrigin,
    timeoutMs: number,
    callback: (error: Error | undefined, socket?: Socket) => void,
  ): void {
    const proxy = this.trust.proxy;
    let settled = false;
    let pending: Socket | undefined;
    const timer = setTimeout(() => {
      pending?.destroy();
      done(
        new UpstreamError(
          "UPSTREAM_TIMEOUT",
          `no connection to \`${hostPort(origin.host, origin.port, -1)}\` within ${timeoutMs} ms`,
          { timedOut: true },
        ),
      );
    }, timeoutMs);
    timer.unref();
    const done = (error: Error | undefined, socket?: Socket) => {
      if (settled) {
        socket?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(error, socket);
    };
    const viaProxy = proxy !== undefined && origin.scheme === "http";
    if (origin.scheme === "http") {
      const host = viaProxy ? proxy.hostname.replace(/^\[|\]$/g, "") : origin.host;
      const port = viaProxy ? Number(proxy.port || 80) : origin.port;
      const socket = net.connect(port, host);
      pending = socket;
      socket.once("error", (e) => done(e));
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        done(undefined, socket);
      });
      return;
    }
    const sessionKey = `${origin.host}:${origin.port}`;
    const secure = (raw: Socket | undefined) => {
      const options: tls.ConnectionOptions = {
        ALPNProtocols: ["http/1.1"],
        session: this.#sessions.get(sessionKey),
      };
      if (isIP(origin.host) === 0) options.servername = origin.host;
      if (this.trust.secureContext) options.secureContext = this.trust.secureContext;
      if (raw) options.socket = raw;
      else {
        options.host = origin.host;
        options.port = origin.port;
      }
      const socket = tls.connect(options);
      pending = socket;
      socket.on("session", (session: Buffer) => {
        this.#sessions.set(sessionKey, session);
      });
      socket.once("error", (e) => done(e));
      socket.once("secureConnect", () => {
        socket.removeAllListeners("error");
        done(undefined, socket);
      });
    };
    if (proxy) {
      this.tunnelThroughProxy(origin.host, origin.port, (error, raw) => {
        if (error || !raw) {
          done(error ?? new Error("upstream proxy tunnel failed"));
          return;
        }
        if (settled) {
          raw.destroy();
          return;
        }
        secure(raw);
      });
      return;
    }
    secure(undefined);
  }

  /** Request options addressing `origin` (directly, or through the upstream proxy). */
  requestTarget(
    origin: UpstreamOrigin,
    pathWithQuery: string,
  ): { host: string; port: number; path: string; servername?: string; proxyAuthorization?: string } {
    const servername = isIP(origin.host) === 0 ? origin.host : undefined;
    if (origin.scheme === "http" && this.trust.proxy) {
      const p = this.trust.proxy;
      return {
        host: p.hostname,
        port: Number(p.port || 80),
        path: `http://${hostPort(origin.host, origin.port, 80)}${pathWithQuery}`,
        ...(this.#proxyAuth ? { proxyAuthorization: this.#proxyAuth } : {}),
      };
    }
    return {
      host: origin.host,
      port: origin.port,
      path: pathWithQuery,
      ...(servername !== undefined && origin.scheme === "https" ? { servername } : {}),
    };
  }

  /** A raw TCP connection to host:port (through the upstream proxy when configured): blind tunnels. */
  openTunnel(host: string, port: number, onReady: (error: Error | undefined, socket?: Socket) => void): void {
    const p = this.trust.proxy;
    if (!p) {
      const socket = net.connect(port, host);
      const onError = (e: Error) => onReady(e);
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        onReady(undefined, socket);
      });
      return;
    }
    this.tunnelThroughProxy(host, port, onReady);
  }

  /** A CONNECT tunnel to host:port through the upstream proxy. */
  tunnelThroughProxy(
    host: string,
    port: number,
    cb: (error: Error | undefined, socket?: Socket) => void,
  ): void {
    const p = this.trust.proxy as URL;
    const authority = hostPort(host, port, -1);
    const headers: Record<string, string> = { host: authority };
    if (this.#proxyAuth) headers["proxy-authorization"] = this.#proxyAuth;
    const req = http.request({
      host: p.hostname,
      port: Number(p.port || 80),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
    });
    req.once("connect", (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        cb(new Error(`upstream proxy refused CONNECT to \`${authority}\`: status ${res.statusCode}`));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      cb(undefined, socket);
    });
    req.once("error", (e) => cb(e));
    req.end();
  }

  /** Closes idle sockets; requests in flight finish on their own sockets. */
  retire(): void {
    for (const agent of this.#agents.values()) {
      for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
    }
    this.#agents.clear();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}

/** An https.Agent whose connections are TLS inside a CONNECT tunnel through the upstream proxy. */
class TunnelAgent extends https.Agent {
  readonly #pool: UpstreamPool;

  constructor(options: https.AgentOptions, pool: UpstreamPool) {
    super(options);
    this.#pool = pool;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? "localhost";
    const port = Number(options.port ?? 443);
    this.#pool.tunnelThroughProxy(host, port, (error, raw) => {
      if (error || !raw) {
        callback?.(error ?? new Error("upstream proxy tunnel failed"), undefined as unknown as Duplex);
        return;
      }
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket: raw });
      callback?.(null, secure);
    });
    return undefined;
  }
}

function hostPort(host: string, port: number, defaultPort: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return port === defaultPort ? h : `${h}:${port}`;
}
