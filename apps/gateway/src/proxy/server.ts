import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type Socket } from "node:net";
import { type Duplex, Readable } from "node:stream";
import tls from "node:tls";
import { activeKillSwitch } from "../config/engine.ts";
import type { KillSwitchFile } from "../local/kill-switch-store.ts";
import type { PolicySource } from "../ports/policy-source.ts";
import { type LeafCertificates, normalizeCertHost } from "../tls/leaf-certs.ts";
import { type AgentErrorResponse, agentError, sendAgentError, writeRawAgentError } from "./agent-errors.ts";
import { alreadyLogged, Exchange, type Recorder } from "./exchange.ts";
import { forwardHttp } from "./forward.ts";
import { firstHeader, snapshotRawHeaders } from "./headers.ts";
import type { AgentRegistry } from "./identity.ts";
import type { Pipeline, Verdict } from "./pipeline.ts";
import type { PoolManager } from "./pools.ts";
import { isExcluded, parseAbsoluteForm, parseAuthority, splitPath, type Target } from "./target.ts";
import { type AgentRequest, type AgentResponse, serveTunnel, TunnelRequest } from "./tunnel-http.ts";
import { forwardUpgrade } from "./websocket.ts";

/**
 * Aborted when the agent goes away before its answer is complete. Made only when a held
 * request asks for it: most requests never wait, and an AbortController per request costs
 * more than the rest of the lifecycle (its objects also outlive young-generation GCs).
 */
function goneSignal(res: AgentResponse): AbortSignal {
  const controller = new AbortController();
  if (res.closed && !res.writableFinished) controller.abort();
  else
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
  return controller.signal;
}

/** What a CONNECT established: who asked, and where the tunnel goes. */
interface TunnelContext {
  agent: string;
  host: string;
  port: number;
  tls: boolean;
}

export interface ProxyDeps {
  pipeline: Pipeline;
  recorder: Recorder;
  pools: PoolManager;
  agents: AgentRegistry;
  leaves: LeafCertificates;
  policy: PolicySource;
  killSwitches: KillSwitchFile;
  log: (line: string) => void;
}

const serverOptions: http.ServerOptions = {
  // Held requests wait for a human and uploads may be large: no whole-request deadline.
  requestTimeout: 0,
  headersTimeout: 60_000,
  keepAliveTimeout: 30_000,
  noDelay: true,
};

/**
 * The proxy on Node's own http/tls: `outer` takes absolute-form requests and CONNECT; each
 * CONNECT is answered 200 and its socket wrapped in a server-side TLSSocket (leaf minted per
 * host, SNI honoured). Inside, the lean tunnel server (`tunnel-http.ts`) serves plain
 * bodyless requests; from the first request it does not take, the connection belongs to
 * `inner`, an http.Server that never listens. Keep-alive works inside the tunnel exactly as
 * outside it.
 */
export class GatewayProxy {
  readonly outer: http.Server;
  readonly #inner: http.Server;
  readonly #d: ProxyDeps;
  readonly #tunnels = new WeakMap<Duplex, TunnelContext>();
  readonly #raw = new Set<Duplex>();
  #port = 0;

  constructor(deps: ProxyDeps) {
    this.#d = deps;
    this.outer = http.createServer(serverOptions);
    this.#inner = http.createServer(serverOptions);
    this.outer.on("request", (req, res) => this.#onOuterRequest(req, res));
    this.outer.on("connect", (req, socket, head) => this.#onConnect(req, socket as Socket, head));
    this.outer.on("upgrade", (req, socket, head) => this.#onUpgrade(req, socket, head, undefined));
    this.outer.on("clientError", (error, socket) => this.#onClientError(error, socket, undefined));
    this.#inner.on("request", (req, res) => this.#onInnerRequest(req, res));
    this.#inner.on("upgrade", (req, socket, head) => {
      this.#onUpgrade(req, socket, head, this.#tunnels.get(req.socket));
    });
    this.#inner.on("clientError", (error, socket) =>
      this.#onClientError(error, socket, this.#tunnels.get(socket)),
    );
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.outer.once("error", reject);
      this.outer.listen(port, host, () => {
        this.outer.off("error", reject);
        const address = this.outer.address();
        this.#port = typeof address === "object" && address ? address.port : port;
        resolve(this.#port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.outer.close(() => resolve()));
    this.outer.closeAllConnections();
    this.#inner.closeAllConnections();
    for (const s of this.#raw) s.destroy();
    this.#raw.clear();
    await closed;
  }

  #track(socket: Duplex): void {
    this.#raw.add(socket);
    socket.once("close", () => this.#raw.delete(socket));
  }

  // ---- plain HTTP (absolute-form) and requests inside tunnels ----

  #onOuterRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = parseAbsoluteForm(req.url ?? "");
    const agent = this.#d.agents.identify(firstHeader(req.headers, "proxy-authorization"));
    if (!target) {
      const x = new Exchange(req.method ?? "GET", req.headers.host ?? "", "");
      x.agent = agent ?? "unknown";
      x.errorCode = "bad_request";
      this.#answer(
        x,
        res,
        req,
        agentError(
          "bad_request",
          x.requestId,
          "this is a forward proxy: send absolute-form requests (set HTTP_PROXY / HTTPS_PROXY)",
        ),
      );
      return;
    }
    this.#handle(req, res, target, agent);
  }

  #onInnerRequest(req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.#tunnels.get(req.socket);
    if (!ctx) {
      res.destroy();
      return;
    }
    this.#handle(req, res, this.#tunnelTarget(req, ctx), ctx.agent);
  }

  #tunnelTarget(req: AgentRequest, ctx: TunnelContext): Target {
    const url = req.url ?? "/";
    // Some clients send absolute-form inside the tunnel too; the tunnel's host still decides.
    const split = url.startsWith("/") ? splitPath(url) : (parseAbsoluteForm(url) ?? splitPath("/"));
    return {
      scheme: ctx.tls ? "https" : "http",
      host: ctx.host,
      port: ctx.port,
      path: split.path,
      query: split.query,
    };
  }

  #handle(req: AgentRequest, res: AgentResponse, target: Target, agent: string | undefined): void {
    const x = new Exchange(req.method ?? "GET", target.host, target.path);
    if (agent === undefined) {
      x.decision = "deny";
      x.errorCode = "proxy_auth";
      this.#answer(x, res, req, agentError("proxy_auth", x.requestId));
      return;
    }
    x.agent = agent;
    if (this.#isSelf(target)) {
      x.errorCode = "bad_request";
      this.#answer(
        x,
        res,
        req,
        agentError("bad_request", x.requestId, "the request targets the gateway itself"),
      );
      return;
    }
    const headers = snapshotRawHeaders(req.rawHeaders);
    const verdict = this.#decide(x, {
      method: x.method,
      target,
      headers,
      upgrade: false,
      // A TunnelRequest has no body: a connector that asks for one reads an empty stream.
      body: () => (req instanceof TunnelRequest ? Readable.from([]) : (req as IncomingMessage)),
      gone: () => goneSignal(res),
    });
    // Most verdicts are ready at once (no body prefix, nobody to ask): act in this turn.
    if (verdict instanceof Promise) void verdict.then((v) => this.#act(x, req, res, headers, v));
    else this.#act(x, req, res, headers, verdict);
  }

  #act(
    x: Exchange,
    req: AgentRequest,
    res: AgentResponse,
    headers: Record<string, string | string[]>,
    verdict: Verdict,
  ): void {
    switch (verdict.kind) {
      case "answer":
        this.#answer(x, res, req, verdict.error);
        return;
      case "gone":
        res.destroy();
        void this.#d.recorder.record(x).catch(alreadyLogged);
        return;
      case "forward":
        try {
          forwardHttp(this.#d.pools, this.#d.recorder, x, req, res, headers, verdict);
        } catch (error) {
          // Building the upstream request failed before anything was sent: fail closed.
          this.#d.log(`${x.requestId} gateway error: ${(error as Error).message}`);
          x.errorCode = "gateway_error";
          this.#answer(x, res, req, agentError("gateway_error", x.requestId));
        }
        return;
    }
  }

  /** The pipeline's verdict; a fault anywhere in it (thrown or rejected) is a 500, never a forward. */
  #decide(x: Exchange, input: Parameters<Pipeline["decide"]>[1]): Verdict | Promise<Verdict> {
    try {
      const verdict = this.#d.pipeline.decide(x, input);
      return verdict instanceof Promise ? verdict.catch((error: unknown) => this.#fault(x, error)) : verdict;
    } catch (error) {
      return this.#fault(x, error);
    }
  }

  #fault(x: Exchange, error: unknown): Verdict {
    // A fault in the lifecycle never forwards: it is a 500 with a clear body (fail closed).
    this.#d.log(`${x.requestId} gateway error: ${(error as Error).message}`);
    x.decision = "error";
    x.errorCode = "gateway_error";
    return { kind: "answer", error: agentError("gateway_error", x.requestId) };
  }

  #answer(x: Exchange, res: AgentResponse, req: AgentRequest, error: AgentErrorResponse): void {
    x.status = error.status;
    x.errorCode ??= error.code;
    this.#d.recorder.record(x).then(
      () => sendAgentError(res, error, req.complete),
      () => sendAgentError(res, error, req.complete),
    );
  }

  #isSelf(target: Target): boolean {
    if (target.port !== this.#port) return false;
    const h = target.host;
    return h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));
  }

  // ---- WebSocket upgrades ----

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: TunnelContext | undefined): void {
    socket.on("error", () => socket.destroy());
    const target = ctx ? this.#tunnelTarget(req, ctx) : parseAbsoluteForm(req.url ?? "");
    const agent = ctx ? ctx.agent : this.#d.agents.identify(firstHeader(req.headers, "proxy-authorization"));
    const x = new Exchange(req.method ?? "GET", target?.host ?? "", target?.path ?? "");
    x.agent = agent ?? "unknown";
    const raw = (error: AgentErrorResponse) => {
      x.status = error.status;
      x.errorCode ??= error.code;
      this.#d.recorder.record(x).then(
        () => writeRawAgentError(socket, error),
        () => writeRawAgentError(socket, error),
      );
    };
    if (!target) {
      raw(agentError("bad_request", x.requestId, "send absolute-form requests to the proxy"));
      return;
    }
    if (agent === undefined) {
      x.decision = "deny";
      raw(agentError("proxy_auth", x.requestId));
      return;
    }
    const abort = new AbortController();
    socket.once("close", () => abort.abort());
    void Promise.resolve(
      this.#decide(x, {
        method: x.method,
        target,
        headers: snapshotRawHeaders(req.rawHeaders),
        upgrade: true,
        body: () => req,
        gone: () => abort.signal,
      }),
    ).then((verdict) => {
      switch (verdict.kind) {
        case "answer":
          raw(verdict.error);
          return;
        case "gone":
          socket.destroy();
          void this.#d.recorder.record(x).catch(alreadyLogged);
          return;
        case "forward":
          try {
            forwardUpgrade(this.#d.pools, this.#d.recorder, x, req, socket, head, verdict);
          } catch (error) {
            this.#d.log(`${x.requestId} gateway error: ${(error as Error).message}`);
            x.errorCode = "gateway_error";
            raw(agentError("gateway_error", x.requestId));
          }
          return;
      }
    });
  }

  // ---- CONNECT ----

  #onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    socket.setNoDelay(true);
    this.#track(socket);
    const hp = parseAuthority(req.url ?? "", undefined);
    const x = new Exchange("CONNECT", hp?.host ?? "", "");
    const agent = this.#d.agents.identify(firstHeader(req.headers, "proxy-authorization"));
    x.agent = agent ?? "unknown";
    const raw = (error: AgentErrorResponse) => {
      x.status = error.status;
      x.errorCode ??= error.code;
      this.#d.recorder.record(x).then(
        () => writeRawAgentError(socket, error),
        () => writeRawAgentError(socket, error),
      );
    };
    if (!hp) {
      raw(agentError("bad_request", x.requestId, "CONNECT needs a `host:port` target"));
      return;
    }
    if (agent === undefined) {
      x.decision = "deny";
      raw(agentError("proxy_auth", x.requestId));
      return;
    }
    const snapshot = this.#d.policy.current();
    if (snapshot && isExcluded(hp.host, snapshot.document.exclude_domains)) {
      const ks = activeKillSwitch(snapshot.compiled, {}, this.#d.killSwitches.current());
      if (ks) {
        x.decision = "deny";
        x.reason = `kill switch is active${ks.reason ? `: ${ks.reason}` : ""}`;
        raw(agentError("kill_switch", x.requestId, x.reason));
        return;
      }
      this.#bypass(x, socket, head, hp.host, hp.port);
      return;
    }
    const ctx: TunnelContext = { agent, host: hp.host, port: hp.port, tls: true };
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    // The first byte tells TLS (a handshake record, 0x16) from plain HTTP (ws:// or http://
    // through CONNECT). TLSSocket replays bytes left in the socket's buffer; the http
    // parser reads the handle directly, so plain bytes already read are handed to it.
    const route = (first: Buffer) => {
      if (first[0] === 0x16) {
        socket.pause();
        socket.unshift(first);
        void this.#startTls(socket, ctx);
        return;
      }
      ctx.tls = false;
      this.#tunnels.set(socket, ctx);
      this.#inner.emit("connection", socket);
      socket.emit("data", first);
    };
    if (head.length > 0) route(head);
    else socket.once("data", route);
  }

  async #startTls(socket: Socket, ctx: TunnelContext): Promise<void> {
    let secureContext: tls.SecureContext;
    try {
      secureContext = await this.#d.leaves.contextFor(ctx.host);
    } catch (error) {
      this.#d.log(`tls: cannot mint a certificate for \`${ctx.host}\`: ${(error as Error).message}`);
      socket.destroy();
      return;
    }
    const tlsSocket = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext,
      ALPNProtocols: ["http/1.1"],
      SNICallback: (servername, cb) => {
        const name = normalizeCertHost(servername);
        if (name === ctx.host) {
          cb(null, secureContext);
          return;
        }
        this.#d.leaves.contextFor(name).then(
          (c) => cb(null, c),
          (e: Error) => cb(e, undefined),
        );
      },
    });
    this.#tunnels.set(tlsSocket, ctx);
    this.#track(tlsSocket);
    // Plain bodyless requests are served by the lean tunnel server; the first request it does
    // not take moves the connection to `inner` (Node's server), bytes read included.
    serveTunnel(
      tlsSocket,
      {
        request: (req, res) => this.#handle(req, res, this.#tunnelTarget(req, ctx), ctx.agent),
        handoff: (s, unread) => {
          this.#inner.emit("connection", s);
          if (unread) s.emit("data", unread);
        },
        error: (error, s) => {
          // A socket error has a code; anything else escaped the lifecycle (a bug): say so.
          if (error.code === undefined) this.#d.log(`${ctx.host}: gateway error: ${error.message}`);
          this.#onClientError(error, s, ctx);
        },
      },
      serverOptions.keepAliveTimeout ?? 30_000,
    );
  }

  #onClientError(error: NodeJS.ErrnoException, socket: Duplex, ctx: TunnelContext | undefined): void {
    const code = error.code ?? "";
    if (ctx?.tls && (code.startsWith("ERR_SSL") || /alert|certificate/i.test(error.message))) {
      this.#d.log(
        `tls: handshake with the agent for \`${ctx.host}\` failed (does it trust the gateway CA?): ${code}`,
      );
    }
    if (socket.writable && code === "HPE_HEADER_OVERFLOW") {
      socket.end("HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n\r\n");
      return;
    }
    if (socket.writable && code.startsWith("HPE_")) {
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      return;
    }
    socket.destroy();
  }

  // ---- exclude_domains: blind tunnels ----

  #bypass(x: Exchange, socket: Socket, head: Buffer, host: string, port: number): void {
    const snapshot = this.#d.policy.current();
    if (!snapshot) {
      socket.destroy();
      return;
    }
    x.decision = "bypass";
    x.reason = `\`${host}\` is in \`exclude_domains\`: tunnelled without inspection`;
    x.mode = snapshot.document.gateway.enforcement;
    const pool = this.#d.pools.for(snapshot);
    pool.openTunnel(host, port, (error, upstream) => {
      if (error || !upstream) {
        x.errorCode = "upstream_error";
        x.status = 502;
        const answer = agentError(
          "upstream_error",
          x.requestId,
          `the upstream \`${host}:${port}\` failed: ${error?.message ?? "no socket"}`,
        );
        this.#d.recorder.record(x).then(
          () => writeRawAgentError(socket, answer),
          () => writeRawAgentError(socket, answer),
        );
        return;
      }
      this.#track(upstream);
      upstream.setNoDelay(true);
      upstream.on("error", () => upstream.destroy());
      x.status = 200;
      let bytesIn = head.length;
      let bytesOut = 0;
      let closed = 0;
      const onClose = () => {
        closed += 1;
        if (closed === 1) {
          socket.destroy();
          upstream.destroy();
          return;
        }
        x.rearm();
        x.bytesIn = bytesIn;
        x.bytesOut = bytesOut;
        void this.#d.recorder.record(x).catch(alreadyLogged);
      };
      // The open is recorded before the agent gets its 200, the close with the byte counts.
      this.#d.recorder.record(x, { log: false }).then(
        () => {
          if (socket.destroyed) {
            upstream.destroy();
            return;
          }
          socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
          if (head.length > 0) upstream.write(head);
          socket.on("data", (c: Buffer) => {
            bytesIn += c.length;
          });
          upstream.on("data", (c: Buffer) => {
            bytesOut += c.length;
          });
          socket.pipe(upstream);
          upstream.pipe(socket);
          socket.once("close", onClose);
          upstream.once("close", onClose);
        },
        () => {
          socket.destroy();
          upstream.destroy();
        },
      );
    });
  }
}
