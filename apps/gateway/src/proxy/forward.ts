import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { type AgentErrorResponse, agentError, sendAgentError } from "./agent-errors.ts";
import { replayBody } from "./body-prefix.ts";
import { alreadyLogged, type Exchange, type Recorder } from "./exchange.ts";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.ts";
import type { Verdict } from "./pipeline.ts";
import type { PoolManager } from "./pools.ts";
import { createRedactor, createTextRedactor } from "./redactor.ts";
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
    ...(v.inject ? { inject: v.inject } : {}),
    requestId: x.requestId,
    agent: x.agent,
    ...(v.hostHeader !== undefined ? { host: v.hostHeader } : {}),
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
 * backpressure. The audit event is written before the agent's response completes: a
 * Content-Length body's last chunk, or the end of a chunked body, waits for it.
 */
export function forwardHttp(
  pools: PoolManager,
  recorder: Recorder,
  x: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  v: ForwardVerdict,
): void {
  const pool = pools.for(v.snapshot);
  const { module, options } = upstreamRequestOptions(pool, x, req.method ?? "GET", req.rawHeaders, v, false);
  const timeoutMs = v.snapshot.document.limits.upstream_timeout_ms;
  let bytesIn = 0;
  let bytesOut = 0;
  let responded = false;
  let timedOut = false;
  let finished = false;

  const upstreamReq = module.request(options);
  const record = (): Promise<void> => {
    x.bytesIn = bytesIn;
    x.bytesOut = bytesOut;
    return recorder.record(x);
  };
  const fail = (error: Error) => {
    if (finished) return;
    finished = true;
    if (!responded) {
      const answer = upstreamFailure(x, v.origin, error, timedOut);
      x.status = answer.status;
      void record().then(
        () => sendAgentError(res, answer, req.complete),
        () => res.destroy(),
      );
      return;
    }
    x.errorCode ??= timedOut ? "upstream_timeout" : "upstream_error";
    res.destroy();
    void record().catch(alreadyLogged);
  };

  upstreamReq.setTimeout(timeoutMs, () => {
    timedOut = true;
    upstreamReq.destroy(new Error(`no data for ${timeoutMs} ms`));
  });
  upstreamReq.on("error", fail);
  res.on("close", () => {
    if (finished || res.writableFinished) return;
    finished = true;
    x.errorCode ??= "client_closed";
    if (!responded) x.status = 499;
    upstreamReq.destroy();
    void record().catch(alreadyLogged);
  });

  upstreamReq.on("response", (ures) => {
    responded = true;
    const status = ures.statusCode ?? 502;
    x.status = status;
    const redactor = createRedactor(v.secrets);
    const headers = downstreamResponseHeaders(ures.rawHeaders, createTextRedactor(v.secrets));
    res.writeHead(status, ures.statusMessage, headers);
    const declared = Number(ures.headers["content-length"]);
    const lengthKnown = Number.isSafeInteger(declared) && declared > 0;
    const complete = (tail: Buffer | undefined) => {
      if (finished) return;
      finished = true;
      record().then(
        () => (tail && tail.length > 0 ? res.end(tail) : res.end()),
        () => res.destroy(),
      );
    };
    ures.on("data", (chunk: Buffer) => {
      if (finished) return;
      bytesOut += chunk.length;
      const out = redactor ? redactor.push(chunk) : chunk;
      if (lengthKnown && bytesOut >= declared) {
        // The last bytes of a Content-Length body go out only after the audit event.
        complete(redactor ? Buffer.concat([out, redactor.flush()]) : out);
        return;
      }
      if (out.length > 0 && !res.write(out)) ures.pause();
    });
    res.on("drain", () => ures.resume());
    ures.on("end", () => complete(redactor?.flush()));
    ures.on("error", (e) => fail(e));
    ures.on("close", () => {
      if (!ures.complete) fail(new Error("the upstream closed the response early"));
    });
  });

  replayBody(req, v.prefix, upstreamReq, (n) => {
    bytesIn += n;
  });
}
