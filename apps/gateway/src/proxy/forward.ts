import http from "node:http";
import https from "node:https";
import { type AgentErrorResponse, agentError, sendAgentError } from "./agent-errors.ts";
import { alreadyLogged, type Exchange, type Recorder } from "./exchange.ts";
import type { H1Controller, H1Handler, ResponseHead, UpstreamError } from "./h1-client.ts";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.ts";
import type { Verdict } from "./pipeline.ts";
import type { PoolManager } from "./pools.ts";
import { createRedaction, type Redaction } from "./redactor.ts";
import type { AgentRequest, AgentResponse } from "./tunnel-http.ts";
import type { UpstreamOrigin, UpstreamPool } from "./upstream.ts";

export type ForwardVerdict = Extract<Verdict, { kind: "forward" }>;

/** Options of the upstream request for a verdict (shared by HTTP and WebSocket forwarding). */
export function upstreamRequestOptions(
  pool: UpstreamPool,
  x: Exchange,
  method: string,
  rawHeaders: string[],
  v: ForwardVerdict,
  upgrade: boolean,
): { module: typeof http | typeof https; options: http.RequestOptions } {
  const target = pool.requestTarget(v.origin, v.pathWithQuery);
  const headers = upstreamRequestHeaders(rawHeaders, {
    strip: v.strip,
    inject: v.inject,
    requestId: x.requestId,
    agent: x.agent,
    host: v.hostHeader,
    upgrade,
  });
  if (target.proxyAuthorization) headers.push("Proxy-Authorization", target.proxyAuthorization);
  const options: http.RequestOptions & { servername?: string } = {
    host: target.host,
    port: target.port,
    method,
    path: target.path,
    headers,
    setHost: false,
    agent: pool.agentFor(v.origin),
  };
  if (target.servername !== undefined) options.servername = target.servername;
  const viaHttpProxy = v.origin.scheme === "http" && pool.httpViaProxy;
  return { module: v.origin.scheme === "https" && !viaHttpProxy ? https : http, options };
}

/** 502 or 504 for an upstream that failed before answering. */
export function upstreamFailure(
  x: Exchange,
  origin: UpstreamOrigin,
  error: Error,
  timedOut: boolean,
): AgentErrorResponse {
  const where = `\`${origin.host}:${origin.port}\``;
  if (timedOut) {
    x.errorCode = "upstream_timeout";
    return agentError("upstream_timeout", x.requestId, `the upstream ${where} did not answer in time`);
  }
  x.errorCode = "upstream_error";
  const code = (error as NodeJS.ErrnoException).code;
  return agentError(
    "upstream_error",
    x.requestId,
    `the upstream ${where} failed: ${code ?? "error"}: ${error.message}`.slice(0, 500),
  );
}

/**
 * Forwards an allowed HTTP request and streams the response back, both ways with
 * backpressure, on the gateway's own keep-alive HTTP/1.1 client (`h1-client.ts`). The audit
 * event is written before the agent's response completes: a Content-Length body's last
 * chunk, or the end of any other body, waits for it.
 */
export function forwardHttp(
  pools: PoolManager,
  recorder: Recorder,
  x: Exchange,
  req: AgentRequest,
  res: AgentResponse,
  /** The agent's headers, lower-cased (the pipeline's snapshot). */
  agentHeaders: Record<string, string | string[]>,
  v: ForwardVerdict,
): void {
  const pool = pools.for(v.snapshot);
  const timeoutMs = v.snapshot.document.limits.upstream_timeout_ms;
  const target = pool.requestTarget(v.origin, v.pathWithQuery);
  // One object shape for every request (conditional spreads made a shape per combination).
  const headers = upstreamRequestHeaders(req.rawHeaders, {
    strip: v.strip,
    inject: v.inject,
    requestId: x.requestId,
    agent: x.agent,
    host: v.hostHeader,
    reframe: true,
  });
  if (target.proxyAuthorization) headers.push("Proxy-Authorization", target.proxyAuthorization);
  const exchange = new UpstreamExchange(recorder, x, req, res, v);
  const declared = declaredLength(agentHeaders);
  let body: Buffer | AsyncIterable<Buffer> | null;
  if (v.prefix === undefined && hasNoBody(agentHeaders)) {
    // Nothing to stream (a GET): the request goes out with its head in one write.
    body = null;
    req.resume();
  } else if (v.prefix?.ended) {
    const chunks = v.prefix.chunks;
    body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    exchange.bytesIn = body.length;
  } else {
    body = exchange.requestBody();
  }
  // Idle timeouts, as the agent sees them: no response head for `timeoutMs` after the
  // request is sent (an upload counts as progress while it moves), or no body bytes for as long.
  const controller = pool
    .clientFor(v.origin, timeoutMs)
    .request(
      { method: req.method ?? "GET", path: target.path, rawHeaders: headers, body, contentLength: declared },
      exchange,
    );
  exchange.controller = controller;
  res.on("close", () => exchange.agentClosed());
  res.on("drain", () => controller.resume());
}

/** The agent's Content-Length (the parser has checked it), or -1 for a chunked or absent one. */
function declaredLength(headers: Record<string, string | string[]>): number {
  const value = headers["content-length"];
  if (value === undefined || headers["transfer-encoding"] !== undefined) return -1;
  // Repeated fields passed the parser only when they agree.
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}

/** One forwarded request: the upstream client's handler, and what is owed to the agent and the audit. */
class UpstreamExchange implements H1Handler {
  bytesIn = 0;
  bytesOut = 0;
  controller: H1Controller | undefined;
  readonly #recorder: Recorder;
  readonly #x: Exchange;
  readonly #req: AgentRequest;
  readonly #res: AgentResponse;
  readonly #v: ForwardVerdict;
  #responded = false;
  #finished = false;
  #redactor: ReturnType<Redaction["stream"]>;
  /** The response's Content-Length, or -1. */
  #declared = -1;

  constructor(recorder: Recorder, x: Exchange, req: AgentRequest, res: AgentResponse, v: ForwardVerdict) {
    this.#recorder = recorder;
    this.#x = x;
    this.#req = req;
    this.#res = res;
    this.#v = v;
  }

  /** The agent's body for the upstream: the buffered prefix, then the rest of the stream, counted. */
  async *requestBody(): AsyncGenerator<Buffer> {
    const prefix = this.#v.prefix;
    if (prefix) {
      for (const chunk of prefix.chunks) {
        this.bytesIn += chunk.length;
        yield chunk;
      }
    }
    // Not destroyed when the upstream stops early: the agent still gets its 502 on this socket.
    for await (const chunk of this.#req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      this.bytesIn += chunk.length;
      yield chunk;
    }
  }

  onResponseStart(head: ResponseHead): void {
    if (this.#finished) return;
    this.#responded = true;
    this.#x.status = head.status;
    const redaction = redactionFor(this.#v.secrets);
    this.#redactor = redaction.stream();
    this.#res.writeHead(
      head.status,
      head.statusText || undefined,
      downstreamResponseHeaders(head.rawHeaders, redaction.text),
    );
    this.#declared = head.contentLength > 0 ? head.contentLength : -1;
  }

  onResponseData(chunk: Buffer): boolean {
    if (this.#finished) return true;
    this.bytesOut += chunk.length;
    const redactor = this.#redactor;
    const out = redactor ? redactor.push(chunk) : chunk;
    if (this.#declared !== -1 && this.bytesOut >= this.#declared) {
      // The last bytes of a Content-Length body go out only after the audit event.
      this.#complete(redactor ? Buffer.concat([out, redactor.flush()]) : out);
      return true;
    }
    return out.length === 0 || this.#res.write(out);
  }

  onResponseEnd(): void {
    this.#complete(this.#redactor?.flush());
  }

  onResponseError(error: UpstreamError): void {
    if (this.#finished) return;
    this.#finished = true;
    const x = this.#x;
    if (!this.#responded) {
      let answer: AgentErrorResponse;
      if (error.code === "UPSTREAM_INVALID_REQUEST") {
        // The request could not be built: nothing went upstream (fail closed).
        x.errorCode = "gateway_error";
        answer = agentError(
          "gateway_error",
          x.requestId,
          `the request cannot be forwarded: ${error.message}`,
        );
      } else {
        answer = upstreamFailure(x, this.#v.origin, error, error.timedOut);
      }
      x.status = answer.status;
      const res = this.#res;
      const req = this.#req;
      void this.#record().then(
        () => sendAgentError(res, answer, req.complete),
        () => res.destroy(),
      );
      return;
    }
    x.errorCode ??= error.timedOut ? "upstream_timeout" : "upstream_error";
    this.#res.destroy();
    void this.#record().catch(alreadyLogged);
  }

  /** The agent's connection closed (or the response completed: then nothing to do). */
  agentClosed(): void {
    if (this.#finished || this.#res.writableFinished) return;
    this.#finished = true;
    const x = this.#x;
    x.errorCode ??= "client_closed";
    if (!this.#responded) x.status = 499;
    this.controller?.abort();
    void this.#record().catch(alreadyLogged);
  }

  #complete(tail: Buffer | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    const res = this.#res;
    this.#record().then(
      () => (tail && tail.length > 0 ? res.end(tail) : res.end()),
      () => res.destroy(),
    );
  }

  #record(): Promise<void> {
    this.#x.bytesIn = this.bytesIn;
    this.#x.bytesOut = this.bytesOut;
    return this.#recorder.record(this.#x);
  }
}

/**
 * True when the agent's request has no body. Decided from the head (RFC 9112 §6.3: a request
 * with neither Transfer-Encoding nor a non-zero Content-Length has none), because the verdict
 * usually comes in the turn the head arrived, before the parser has marked the message
 * complete: waiting for its end instead sent every GET down the streamed-body path
 * (an async generator and a later write per request).
 */
function hasNoBody(headers: Record<string, string | string[]>): boolean {
  if (headers["transfer-encoding"] !== undefined) return false;
  const length = headers["content-length"];
  return length === undefined || length === "0";
}

/** Secrets arrays are per credential (the pipeline keeps them): their redaction is prepared once. */
const redactions = new WeakMap<readonly string[], Redaction>();

function redactionFor(secrets: readonly string[]): Redaction {
  let r = redactions.get(secrets);
  if (r === undefined) {
    r = createRedaction(secrets);
    redactions.set(secrets, r);
  }
  return r;
}
