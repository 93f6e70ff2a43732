import http from "node:http";
import https from "node:https";
import net, { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import type { Dispatcher, Pool } from "undici";
// The pool and the connector alone: undici's index also loads fetch, WebSocket, caches and
// more (measured: 40 MB of the gateway's peak RSS under load, for code it never runs).
import buildConnector from "undici/lib/core/connect.js";
import PoolClass from "undici/lib/dispatcher/pool.js";

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
  readonly #dispatchers = new Map<string, Pool>();
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
   * The keep-alive connection pool (undici) that HTTP requests to `origin` go out on: the
   * origin itself, or the upstream proxy for plain-http origins (absolute-form requests,
   * see `requestTarget`). https through an upstream proxy is TLS inside a CONNECT tunnel.
   * `connectTimeoutMs` bounds TCP + TLS setup (a pool per value: it rarely changes).
   */
  dispatcherFor(origin: UpstreamOrigin, connectTimeoutMs: number): Dispatcher {
    const proxy = this.trust.proxy;
    const viaProxy = proxy !== undefined && origin.scheme === "http";
    const url = viaProxy
      ? `http://${hostPort(proxy.hostname.replace(/^\[|\]$/g, ""), Number(proxy.port || 80), -1)}`
      : `${origin.scheme}://${hostPort(origin.host, origin.port, -1)}`;
    const key = `${url}|${connectTimeoutMs}`;
    const existing = this.#dispatchers.get(key);
    if (existing) return existing;
    const tlsOptions: tls.ConnectionOptions & { timeout: number } = { timeout: connectTimeoutMs };
    if (this.trust.secureContext) tlsOptions.secureContext = this.trust.secureContext;
    let connect: Pool.Options["connect"] = tlsOptions;
    if (proxy && origin.scheme === "https") {
      // TLS to the origin inside a CONNECT tunnel through the upstream proxy.
      const connector = buildConnector(tlsOptions);
      connect = (options, callback) => {
        this.tunnelThroughProxy(origin.host, origin.port, (error, raw) => {
          if (error || !raw) {
            callback(error ?? new Error("upstream proxy tunnel failed"), null);
            return;
          }
          connector({ ...options, httpSocket: raw }, callback);
        });
      };
    }
    const pool = new PoolClass(url, {
      connect,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 30_000,
    });
    this.#dispatchers.set(key, pool);
    return pool;
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
    for (const pool of this.#dispatchers.values()) {
      // Graceful: queued and running requests complete, then the sockets close.
      pool.close().catch((error: Error) => {
        // An already destroyed pool has nothing left to release; anything else is reported.
        if ((error as NodeJS.ErrnoException).code !== "UND_ERR_DESTROYED") process.emitWarning(error);
      });
    }
    this.#dispatchers.clear();
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
