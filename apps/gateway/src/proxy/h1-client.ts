// The gateway's HTTP/1.1 client for allowed requests: keep-alive connections to one origin,
// the request head written in one go, the response framed by `ResponseParser`, both bodies
// streamed with backpressure. It replaces undici's pool on the hot path: per request undici
// cost about as much CPU as the rest of the gateway's own code (validation the gateway has
// already done, a WebAssembly parser calling back into JS per header, a dispatcher chain).
//
// What it does not do, on purpose: pipelining, HTTP/2, redirects, decompression, retries of
// anything but a request that provably never reached the upstream (see `retryable`).

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { type ResponseHead, ResponseParseError, ResponseParser } from "./h1-response-parser.ts";

export type { ResponseHead } from "./h1-response-parser.ts";

export interface H1Request {
  method: string;
  /** The request target: origin-form, or absolute-form when sent to an HTTP proxy. */
  path: string;
  /** Names and values alternating, without framing headers (Content-Length, Transfer-Encoding): the client frames. */
  rawHeaders: readonly string[];
  /** Null: no body; a Buffer: sent with its length; an iterable: streamed. */
  body: Buffer | AsyncIterable<Buffer> | null;
  /**
   * For an iterable body, its length when known (the agent's Content-Length: the client
   * sends exactly that many bytes or fails); -1 sends it chunked. For no body, 0 sends
   * `Content-Length: 0` (as does a method that carries a payload: POST, PUT, PATCH).
   */
  contentLength: number;
}

/** How an exchange ends badly. `timedOut`: no byte either way for the timeout. */
export class UpstreamError extends Error {
  readonly code: string;
  readonly timedOut: boolean;
  constructor(code: string, message: string, options?: { timedOut?: boolean; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.timedOut = options?.timedOut ?? false;
  }
}

export interface H1Handler {
  /** The final response head. */
  onResponseStart(head: ResponseHead): void;
  /** A body chunk; false pauses reading until `controller.resume()`. */
  onResponseData(chunk: Buffer): boolean;
  onResponseEnd(): void;
  /** Called at most once, and never after `onResponseEnd`. */
  onResponseError(error: UpstreamError): void;
}

export interface H1Controller {
  /** Stops reading the response (the agent is slow); the idle timeout is off meanwhile. */
  pause(): void;
  resume(): void;
  /** Ends the exchange without telling the handler (the agent went away); the connection is closed. */
  abort(): void;
}

export interface H1PoolOptions {
  /** Opens a connection to the origin (TLS already established for https). */
  connect(callback: (error: Error | undefined, socket?: Socket | TLSSocket) => void): void;
  /** Idle timeout of a busy connection, and bound of connection setup, in ms. */
  timeoutMs: number;
  /** Longest a connection is kept idle, in ms (shorter when the upstream's Keep-Alive says so). */
  keepAliveMs: number;
}

// Methods whose requests may be sent again when a reused connection turns out closed
// before any byte of the response arrived (RFC 9110 §9.2.2): the upstream may have seen
// the request, and repeating an idempotent one is what the method allows.
const idempotent = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
const payloadMethods = new Set(["POST", "PUT", "PATCH"]);
// A header value must not be able to end its line (request splitting upstream).
const unsafeValue = /[\r\n\0]/;

/** Keep-alive connections to one origin. */
export class H1Pool {
  readonly #o: H1PoolOptions;
  readonly #idle: Connection[] = [];
  #closed = false;

  constructor(options: H1PoolOptions) {
    this.#o = options;
  }

  /** Sends a request. Throws (before anything is sent) when the request cannot be written. */
  request(request: H1Request, handler: H1Handler): H1Controller {
    const head = requestHead(request);
    const exchange = new ExchangeState(request, head, handler);
    this.#dispatch(exchange);
    return exchange;
  }

  #dispatch(exchange: ExchangeState): void {
    const now = Date.now();
    for (;;) {
      const idle = this.#idle.pop();
      if (idle === undefined) break;
      if (idle.usable(now)) {
        idle.start(exchange);
        return;
      }
      idle.destroy();
    }
    this.#open(exchange);
  }

  /** A new connection for an exchange (first try, or its one retry). */
  #open(exchange: ExchangeState): void {
    this.#o.connect((error, socket) => {
      if (error || !socket) {
        socket?.destroy();
        exchange.fail(asUpstreamError(error ?? new Error("no connection")));
        return;
      }
      const connection = new Connection(this, socket, this.#o.timeoutMs);
      // The agent left while the connection was being opened: keep it for the next one.
      if (exchange.finished) this.release(connection);
      else connection.start(exchange);
    });
  }

  /** A connection that finished an exchange cleanly and may carry another. */
  release(connection: Connection): void {
    if (this.#closed) {
      connection.destroy();
      return;
    }
    connection.idleSince = Date.now();
    this.#idle.push(connection);
  }

  /** A connection that closed or failed while idle. */
  forget(connection: Connection): void {
    const i = this.#idle.indexOf(connection);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** Sends an exchange again on a new connection (see `idempotent`). */
  retry(exchange: ExchangeState): void {
    this.#open(exchange);
  }

  get keepAliveMs(): number {
    return this.#o.keepAliveMs;
  }

  /** Closes idle connections; exchanges in flight finish, then their connections close. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.destroy();
  }
}

/** One request and what is owed to its handler. */
class ExchangeState implements H1Controller {
  readonly request: H1Request;
  readonly head: string;
  readonly handler: H1Handler;
  connection: Connection | undefined;
  finished = false;
  responded = false;
  paused = false;
  /** True once the whole request (head and body) has been handed to the socket. */
  sent = false;

  constructor(request: H1Request, head: string, handler: H1Handler) {
    this.request = request;
    this.head = head;
    this.handler = handler;
  }

  /** Whether a failure before any response byte may be answered by sending the request again. */
  get retryable(): boolean {
    const { body } = this.request;
    return idempotent.has(this.request.method) && (body === null || Buffer.isBuffer(body));
  }

  fail(error: UpstreamError): void {
    if (this.finished) return;
    this.finished = true;
    this.handler.onResponseError(error);
  }

  pause(): void {
    this.paused = true;
    this.connection?.pause();
  }

  resume(): void {
    this.paused = false;
    this.connection?.resume();
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.connection?.destroy();
  }
}

/** One upstream connection: idle, or carrying one exchange. */
class Connection {
  idleSince = 0;
  readonly #pool: H1Pool;
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  #exchange: ExchangeState | undefined;
  #served = 0;
  #keepAlive = true;
  /** Epoch ms after which the upstream may close the idle connection (Keep-Alive: timeout). */
  #expiresAt = Number.POSITIVE_INFINITY;
  #dead = false;
  /** Whether the current exchange went out on a connection that had served others (retry decision). */
  #reusedForCurrent = false;

  constructor(pool: H1Pool, socket: Socket, timeoutMs: number) {
    this.#pool = pool;
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs);
    this.#parser = new ResponseParser({
      onHead: (head) => this.#onHead(head),
      onBody: (chunk) => this.#onBody(chunk),
      onComplete: (rest) => this.#onComplete(rest),
    });
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("error", (error: NodeJS.ErrnoException) => this.#onClose(error));
    socket.on("close", () => this.#onClose(undefined));
    socket.on("timeout", () => this.#onTimeout());
  }

  usable(now: number): boolean {
    return (
      !this.#dead &&
      !this.#socket.destroyed &&
      now - this.idleSince < this.#pool.keepAliveMs &&
      now < this.#expiresAt
    );
  }

  start(exchange: ExchangeState): void {
    this.#exchange = exchange;
    this.#reusedForCurrent = this.#served > 0;
    exchange.connection = this;
    this.#parser.begin(exchange.request.method);
    if (exchange.paused) this.#socket.pause();
    const { body } = exchange.request;
    const socket = this.#socket;
    if (body === null) {
      socket.write(exchange.head, "latin1");
      exchange.sent = true;
    } else if (Buffer.isBuffer(body)) {
      if (body.length <= 65_536) {
        socket.write(Buffer.concat([Buffer.from(exchange.head, "latin1"), body]));
      } else {
        socket.cork();
        socket.write(exchange.head, "latin1");
        socket.write(body);
        socket.uncork();
      }
      exchange.sent = true;
    } else {
      socket.write(exchange.head, "latin1");
      void this.#stream(exchange, body);
    }
  }

  async #stream(exchange: ExchangeState, body: AsyncIterable<Buffer>): Promise<void> {
    const socket = this.#socket;
    const declared = exchange.request.contentLength;
    const chunked = declared < 0;
    let written = 0;
    try {
      for await (const chunk of body) {
        if (exchange.finished || this.#exchange !== exchange || socket.destroyed) return;
        if (chunk.length === 0) continue;
        written += chunk.length;
        if (!chunked && written > declared) {
          throw new UpstreamError(
            "UPSTREAM_BODY_LENGTH",
            `the request body is longer than its content-length ${declared}`,
          );
        }
        let ok: boolean;
        if (chunked) {
          socket.cork();
          socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
          socket.write(chunk);
          ok = socket.write("\r\n", "latin1");
          socket.uncork();
        } else {
          ok = socket.write(chunk);
        }
        if (!ok) await drained(socket);
      }
      if (exchange.finished || this.#exchange !== exchange || socket.destroyed) return;
      if (chunked) socket.write("0\r\n\r\n", "latin1");
      else if (written !== declared) {
        throw new UpstreamError(
          "UPSTREAM_BODY_LENGTH",
          `the request body ended after ${written} of its ${declared} bytes`,
        );
      }
      exchange.sent = true;
    } catch (error) {
      if (this.#exchange !== exchange) return;
      const e = error as NodeJS.ErrnoException;
      this.#fail(
        e instanceof UpstreamError
          ? e
          : new UpstreamError(e.code ?? "UPSTREAM_BODY", `reading the request body failed: ${e.message}`, {
              cause: e,
            }),
      );
    }
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  destroy(): void {
    this.#dead = true;
    this.#exchange = undefined;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === undefined) {
      // Bytes on an idle connection: the upstream is out of step; never reuse it.
      this.#droppedIfIdle();
      return;
    }
    exchange.responded = true;
    try {
      this.#parser.execute(chunk);
    } catch (error) {
      this.#fail(asUpstreamError(error));
    }
  }

  #onHead(head: ResponseHead): void {
    const exchange = this.#exchange as ExchangeState;
    this.#keepAlive = head.keepAlive;
    if (head.keepAliveTimeoutSeconds > 0) {
      // Leave a second's margin before the upstream's own idle close.
      this.#expiresAt = Date.now() + head.keepAliveTimeoutSeconds * 1000 - 1000;
    }
    if (exchange.finished) return;
    exchange.handler.onResponseStart(head);
  }

  #onBody(chunk: Buffer): void {
    const exchange = this.#exchange as ExchangeState;
    if (exchange.finished) return;
    if (!exchange.handler.onResponseData(chunk)) exchange.pause();
  }

  #onComplete(rest: Buffer | undefined): void {
    const exchange = this.#exchange as ExchangeState;
    if (rest !== undefined) this.#keepAlive = false;
    this.#served += 1;
    // A response that ends before the request body went out: the connection is not reusable.
    if (!exchange.sent) this.#keepAlive = false;
    this.#finish(exchange);
  }

  #finish(exchange: ExchangeState): void {
    if (exchange.finished) {
      this.destroy();
      return;
    }
    exchange.finished = true;
    this.#exchange = undefined;
    exchange.connection = undefined;
    if (this.#keepAlive && exchange.sent && !this.#socket.destroyed) {
      if (exchange.paused) this.#socket.resume();
      this.#pool.release(this);
    } else {
      this.destroy();
    }
    exchange.handler.onResponseEnd();
  }

  /** An idle connection that closed, timed out or spoke out of turn leaves the pool. True when idle. */
  #droppedIfIdle(): boolean {
    if (this.#exchange !== undefined) return false;
    this.#pool.forget(this);
    this.destroy();
    return true;
  }

  #onEnd(): void {
    if (this.#droppedIfIdle()) return;
    try {
      this.#keepAlive = false;
      this.#parser.end();
    } catch (error) {
      this.#fail(asUpstreamError(error), true);
    }
  }

  #onClose(error: NodeJS.ErrnoException | undefined): void {
    const exchange = this.#exchange;
    this.#dead = true;
    if (exchange === undefined) {
      this.#pool.forget(this);
      this.#socket.destroy();
      return;
    }
    if (this.#parser.active && this.#parser.inBody === false && !exchange.responded) {
      this.#fail(
        new UpstreamError(
          error?.code ?? "UPSTREAM_CLOSED",
          error?.message ?? "the upstream closed the connection before answering",
          {
            cause: error,
          },
        ),
        true,
      );
      return;
    }
    try {
      // A body read to the close completes here; anything else is cut short.
      this.#parser.end();
    } catch (e) {
      this.#fail(
        error
          ? new UpstreamError(error.code ?? "UPSTREAM_CLOSED", error.message, { cause: error })
          : asUpstreamError(e),
      );
    }
  }

  #onTimeout(): void {
    const exchange = this.#exchange;
    if (exchange === undefined) {
      this.#droppedIfIdle();
      return;
    }
    // A paused exchange waits for the agent, not for the upstream.
    if (exchange.paused) return;
    this.#fail(
      new UpstreamError(
        "UPSTREAM_TIMEOUT",
        exchange.responded ? "the upstream sent nothing for too long" : "the upstream did not answer in time",
        { timedOut: true },
      ),
    );
  }

  /** Ends the current exchange with an error; `closing`: the failure is the connection going away. */
  #fail(error: UpstreamError, closing = false): void {
    const exchange = this.#exchange;
    this.destroy();
    if (exchange === undefined || exchange.finished) return;
    exchange.connection = undefined;
    if (closing && this.#reusedForCurrent && !exchange.responded && !error.timedOut && exchange.retryable) {
      // The upstream closed a kept-alive connection as the request went out: one new try.
      this.#pool.retry(exchange);
      return;
    }
    exchange.fail(error);
  }
}

function asUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof ResponseParseError)
    return new UpstreamError(error.code, error.message, { cause: error });
  const e = error as NodeJS.ErrnoException;
  return new UpstreamError(e.code ?? "UPSTREAM_ERROR", e.message, { cause: e });
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

/** The request line, the headers and the framing, as one latin1 string. Throws on an unsafe header. */
function requestHead(request: H1Request): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  if (unsafeValue.test(request.path) || request.path.includes(" ")) {
    throw new UpstreamError(
      "UPSTREAM_INVALID_REQUEST",
      "the request target contains a space or a line break",
    );
  }
  const h = request.rawHeaders;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    if (unsafeValue.test(value) || unsafeValue.test(name) || name.includes(":")) {
      throw new UpstreamError(
        "UPSTREAM_INVALID_REQUEST",
        `header \`${name.slice(0, 60)}\` cannot be sent: it contains a line break`,
      );
    }
    head += `${name}: ${value}\r\n`;
  }
  const { body } = request;
  if (body === null) {
    if (request.contentLength === 0 || payloadMethods.has(request.method)) head += "content-length: 0\r\n";
  } else if (Buffer.isBuffer(body)) {
    head += `content-length: ${body.length}\r\n`;
  } else if (request.contentLength >= 0) {
    head += `content-length: ${request.contentLength}\r\n`;
  } else {
    head += "transfer-encoding: chunked\r\n";
  }
  return `${head}\r\n`;
}
