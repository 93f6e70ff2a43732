import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { writeRawAgentError } from "./agent-errors.ts";
import { alreadyLogged, type Exchange, type Recorder } from "./exchange.ts";
import { type ForwardVerdict, upstreamFailure, upstreamRequestOptions } from "./forward.ts";
import { downstreamResponseHeaders } from "./headers.ts";
import type { PoolManager } from "./pools.ts";
import { createRedactor, createTextRedactor } from "./redactor.ts";

/**
 * Forwards an allowed WebSocket upgrade, then tunnels frames both ways. Two audit events
 * share the request id: the open (written before the agent sees the 101) and the close
 * with the byte counts. Frames from upstream go through the redactor like any response.
 */
export function forwardUpgrade(
  pools: PoolManager,
  recorder: Recorder,
  x: Exchange,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  v: ForwardVerdict,
): void {
  const pool = pools.for(v.snapshot);
  const { module, options } = upstreamRequestOptions(pool, x, req.method ?? "GET", req.rawHeaders, v, true);
  const timeoutMs = v.snapshot.document.limits.upstream_timeout_ms;
  let timedOut = false;
  let settled = false;
  const upstreamReq = module.request(options);
  upstreamReq.setTimeout(timeoutMs, () => {
    timedOut = true;
    upstreamReq.destroy(new Error(`no answer for ${timeoutMs} ms`));
  });
  client.on("close", () => {
    if (!settled) {
      settled = true;
      x.errorCode ??= "client_closed";
      x.status = 499;
      upstreamReq.destroy();
      void recorder.record(x).catch(alreadyLogged);
    }
  });
  upstreamReq.on("error", (error) => {
    if (settled) return;
    settled = true;
    const answer = upstreamFailure(x, v.origin, error, timedOut);
    x.status = answer.status;
    void recorder.record(x).then(
      () => writeRawAgentError(client, answer),
      () => client.destroy(),
    );
  });
  const redact = createTextRedactor(v.secrets);

  upstreamReq.on("response", (ures) => {
    // The upstream refused the upgrade: relay its answer, then close.
    if (settled) return;
    settled = true;
    x.status = ures.statusCode ?? 502;
    const redactor = createRedactor(v.secrets);
    void recorder.record(x).then(
      () => {
        // The body is relayed decoded and delimited by the connection's close.
        const headers = withoutFraming(downstreamResponseHeaders(ures.rawHeaders, redact));
        client.write(rawHead(x.status ?? 502, headers, true));
        ures.on("data", (c: Buffer) => {
          client.write(redactor ? redactor.push(c) : c);
        });
        ures.on("end", () => client.end(redactor?.flush()));
        ures.on("error", () => client.destroy());
      },
      () => client.destroy(),
    );
  });

  upstreamReq.on("upgrade", (ures, upstream, upstreamHead) => {
    if (settled) {
      upstream.destroy();
      return;
    }
    settled = true;
    upstream.setTimeout(0);
    x.status = ures.statusCode ?? 101;
    const redactor = createRedactor(v.secrets);
    let bytesIn = 0;
    let bytesOut = 0;
    let closed = 0;
    const onClosed = () => {
      closed += 1;
      if (closed === 1) {
        client.destroy();
        upstream.destroy();
      }
      if (closed !== 2) return;
      x.rearm();
      x.bytesIn = bytesIn;
      x.bytesOut = bytesOut;
      void recorder.record(x).catch(alreadyLogged);
    };
    upstream.on("error", () => undefined);
    client.on("error", () => undefined);
    void recorder.record(x, { log: false }).then(
      () => {
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        client.write(
          rawHead(x.status ?? 101, downstreamResponseHeaders(ures.rawHeaders, redact, true), false),
        );
        if (upstreamHead.length > 0) {
          bytesOut += upstreamHead.length;
          client.write(redactor ? redactor.push(upstreamHead) : upstreamHead);
        }
        if (head.length > 0) {
          bytesIn += head.length;
          upstream.write(head);
        }
        client.on("data", (c: Buffer) => {
          bytesIn += c.length;
          if (!upstream.write(c)) client.pause();
        });
        upstream.on("drain", () => client.resume());
        upstream.on("data", (c: Buffer) => {
          bytesOut += c.length;
          if (!client.write(redactor ? redactor.push(c) : c)) upstream.pause();
        });
        client.on("drain", () => upstream.resume());
        client.on("end", () => upstream.end());
        upstream.on("end", () => client.end(redactor?.flush()));
        client.on("close", onClosed);
        upstream.on("close", onClosed);
      },
      () => {
        client.destroy();
        upstream.destroy();
      },
    );
  });

  upstreamReq.end();
}

const framingHeaders = new Set(["transfer-encoding", "content-length"]);

function withoutFraming(list: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    if (!framingHeaders.has(name.toLowerCase())) out.push(name, list[i + 1] as string);
  }
  return out;
}

function rawHead(status: number, headers: string[], close: boolean): string {
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (close) text += "connection: close\r\n";
  return `${text}\r\n`;
}
