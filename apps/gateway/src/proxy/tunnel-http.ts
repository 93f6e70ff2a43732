import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { hasControlCharacter, tokenChars } from "./h1-response-parser.ts";

/**
 * The lean HTTP/1.1 server for requests inside an intercepted tunnel.
 *
 * An agent's HTTPS traffic arrives as requests on a TLS socket the gateway terminates. Most of
 * them are small and bodyless (GET, HEAD, DELETE), and Node's http server spent more CPU on
 * each (an IncomingMessage and a ServerResponse stream, their events and ticks) than the whole
 * policy decision. This server parses a request head itself and serves it only when it is
 * plainly valid and carries no body: request line `METHOD /path HTTP/1.1` with a common method,
 * one Host, visible-ASCII header fields, no Transfer-Encoding, Content-Length absent or 0, no
 * Expect and no Upgrade. Anything else (a body, an upgrade, HTTP/1.0, a malformed or oversized
 * head) is not judged here: the connection is handed, with every byte read and not yet used,
 * to Node's http server, which answers it exactly as it answers every other connection. So a
 * request this server accepts is one Node's server would accept too, and every error an agent
 * can see still comes from one place.
 */

/** Node's default limit for a request head (`--max-http-header-size`). */
const maxHeadBytes = 16 * 1024;
/** More header lines than this: handed over (Node keeps 2,000 and drops the rest). */
const maxHeaderLines = 200;
/** `close` among the tokens of a Connection header. */
const closeToken = /(?:^|,)\s*close\s*(?:,|$)/i;
const methods = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PATCH"]);

export interface TunnelHttpHandlers {
  /** A complete, bodyless request. */
  request(req: TunnelRequest, res: TunnelResponse): void;
  /** The connection leaves this server: Node's http server takes it with `unread` first. */
  handoff(socket: Socket, unread: Buffer | undefined): void;
  /** A socket error (a failed TLS handshake, a reset): the socket is destroyed after. */
  error(error: NodeJS.ErrnoException, socket: Socket): void;
}

/** A request served by this server: its head, and no body. */
export class TunnelRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  /** The request is complete when its head is: it has no body. */
  readonly complete = true;

  constructor(method: string, url: string, rawHeaders: string[]) {
    this.method = method;
    this.url = url;
    this.rawHeaders = rawHeaders;
  }

  /** No body to drain. */
  resume(): void {}

  /** The (empty) body as a stream of chunks. */
  async *iterator(_options?: { destroyOnReturn?: boolean }): AsyncGenerator<Buffer> {}
}

/**
 * The answer to a `TunnelRequest`, with the part of ServerResponse the proxy uses. The head is
 * framed as Node's server frames it (Date, Connection, Keep-Alive; chunked when the length is
 * unknown) and goes out with the first body bytes in one write.
 */
export class TunnelResponse {
  headersSent = false;
  writableFinished = false;
  closed = false;
  shouldKeepAlive: boolean;
  readonly #conn: TunnelConnection;
  readonly #hasBody: boolean;
  #pending = "";
  #noBody = false;
  #chunked = false;
  #ended = false;
  #onClose: (() => void)[] = [];
  #onDrain: (() => void)[] = [];

  constructor(conn: TunnelConnection, isHead: boolean, keepAlive: boolean) {
    this.#conn = conn;
    this.#hasBody = !isHead;
    this.shouldKeepAlive = keepAlive;
  }

  on(event: "close" | "drain", listener: () => void): this {
    if (event === "close") this.#onClose.push(listener);
    else this.#onDrain.push(listener);
    return this;
  }

  once(event: "close", listener: () => void): this {
    return this.on(event, listener);
  }

  /**
   * Status line and headers (raw name/value pairs or a record). Throws, as Node does, on a
   * field that is not a token or a value with a control character: nothing is written then.
   */
  writeHead(
    status: number,
    statusText: string | undefined,
    headers: readonly string[] | Readonly<Record<string, string>>,
  ): this {
    if (this.headersSent) throw new Error("the response head was already sent");
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new RangeError(`invalid status code ${status}`);
    }
    const reason = statusText ?? STATUS_CODES[status] ?? "unknown";
    if (hasControlCharacter(reason)) throw new TypeError("invalid character in the status text");
    let head = `HTTP/1.1 ${status} ${reason}\r\n`;
    let date = false;
    let connection = false;
    let length = false;
    let te: string | undefined;
    const field = (name: string, value: string): void => {
      if (!tokenChars.test(name)) throw new TypeError(`invalid header name \`${name.slice(0, 60)}\``);
      if (hasControlCharacter(value)) throw new TypeError(`invalid character in header \`${name}\``);
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === "date") date = true;
          break;
        case 10:
          if (name.toLowerCase() === "connection") {
            connection = true;
            if (closeToken.test(value)) this.shouldKeepAlive = false;
          }
          break;
        case 14:
          if (name.toLowerCase() === "content-length") length = true;
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") te = te === undefined ? value : `${te}, ${value}`;
          break;
      }
      head += `${name}: ${value}\r\n`;
    };
    if (Array.isArray(headers)) {
      const raw = headers as readonly string[];
      for (let i = 0; i < raw.length; i += 2) field(raw[i] as string, raw[i + 1] as string);
    } else {
      for (const [name, value] of Object.entries(headers)) field(name, value);
    }
    this.#noBody = !this.#hasBody || status < 200 || status === 204 || status === 304;
    let framing = "";
    if (!this.#noBody) {
      if (te !== undefined) {
        // The upstream's codings are kept; the body is re-chunked when chunked is the last one.
        // Without it the body ends with the connection, as the upstream framed it.
        this.#chunked = /(?:^|,)\s*chunked\s*$/i.test(te);
        if (!this.#chunked) this.shouldKeepAlive = false;
      } else if (!length) {
        framing = "Transfer-Encoding: chunked\r\n";
        this.#chunked = true;
      }
    }
    if (!date) head += `Date: ${utcDate()}\r\n`;
    if (!connection) {
      head += this.shouldKeepAlive
        ? "Connection: keep-alive\r\nKeep-Alive: timeout=30\r\n"
        : "Connection: close\r\n";
    }
    this.#pending = `${head}${framing}\r\n`;
    this.headersSent = true;
    return this;
  }

  /** Body bytes; false when the agent's socket is full (wait for `drain`). */
  write(chunk: Buffer): boolean {
    if (this.#ended) return false;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    if (this.#noBody || chunk.length === 0) return true;
    return this.#conn.send(this.#frame(chunk, false), undefined);
  }

  /** The last bytes, then the response is finished (and the connection reused or closed). */
  end(chunk?: Buffer | string): this {
    if (this.#ended) return this;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    this.#ended = true;
    const body =
      chunk === undefined || this.#noBody
        ? undefined
        : typeof chunk === "string"
          ? Buffer.from(chunk)
          : chunk;
    this.#conn.send(this.#frame(body, true), this.#finished);
    return this;
  }

  /** Destroys the connection (the response cannot complete). */
  destroy(): void {
    this.#conn.destroy();
  }

  readonly #finished = (error?: Error | null): void => {
    if (error) return;
    this.writableFinished = true;
    this.#conn.responseDone(this);
    this.emitClose();
  };

  /** The bytes for the socket: the pending head (once) and the body, chunked when it must be. */
  #frame(body: Buffer | undefined, last: boolean): Buffer {
    const head = this.#pending;
    this.#pending = "";
    let prefix = head;
    let suffix = "";
    const size = body?.length ?? 0;
    if (this.#chunked) {
      if (size > 0) {
        prefix += `${size.toString(16)}\r\n`;
        suffix = last ? "\r\n0\r\n\r\n" : "\r\n";
      } else if (last) {
        prefix += "0\r\n\r\n";
      }
    }
    if (size === 0 && suffix === "") return Buffer.from(prefix, "latin1");
    if (prefix === "" && suffix === "") return body as Buffer;
    const out = Buffer.allocUnsafe(prefix.length + size + suffix.length);
    let at = out.write(prefix, 0, "latin1");
    if (body) at += body.copy(out, at);
    out.write(suffix, at, "latin1");
    return out;
  }

  /** @internal */
  emitDrain(): void {
    for (const listener of this.#onDrain) listener();
  }

  /** @internal Once: when the response finished or its connection closed. */
  emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = this.#onClose;
    this.#onClose = [];
    this.#onDrain = [];
    for (const listener of listeners) listener();
  }
}

/** Serves requests on `socket` (a terminated TLS tunnel) until it closes or is handed over. */
export function serveTunnel(socket: Socket, handlers: TunnelHttpHandlers, keepAliveTimeoutMs: number): void {
  new TunnelConnection(socket, handlers, keepAliveTimeoutMs);
}

class TunnelConnection {
  readonly #socket: Socket;
  readonly #handlers: TunnelHttpHandlers;
  /** Bytes read and not consumed: the start of the next request (or several, pipelined). */
  #unread: Buffer | undefined;
  /** The response in progress: the next request waits for it. */
  #current: TunnelResponse | undefined;
  #done = false;

  constructor(socket: Socket, handlers: TunnelHttpHandlers, keepAliveTimeoutMs: number) {
    this.#socket = socket;
    this.#handlers = handlers;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("drain", this.#onDrain);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    // Idle connections close after the keep-alive timeout, as Node's server closes them; a
    // request in progress (a held one waits for a human) is never cut by it.
    socket.on("timeout", this.#onTimeout);
    socket.setTimeout(keepAliveTimeoutMs);
  }

  send(bytes: Buffer, done: ((error?: Error | null) => void) | undefined): boolean {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return false;
    return socket.write(bytes, done);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  responseDone(res: TunnelResponse): void {
    if (this.#current !== res) return;
    this.#current = undefined;
    if (!res.shouldKeepAlive) {
      this.#close();
      return;
    }
    if (this.#socket.isPaused()) this.#socket.resume();
    if (this.#unread) this.#next();
  }

  /** Ends the connection (our FIN; the socket is destroyed once both sides are done). */
  #close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unread = undefined;
    this.#socket.end();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#done) return;
    this.#unread = this.#unread ? Buffer.concat([this.#unread, chunk]) : chunk;
    if (this.#current) {
      // Pipelined requests wait for the response in progress; a flood waits in the socket.
      if (this.#unread.length > maxHeadBytes) this.#socket.pause();
      return;
    }
    this.#next();
  };

  /**
   * The agent's FIN ends the connection, as in Node's server: a request in progress (a held
   * one, a stream) sees its agent gone. A CONNECT socket allows half-open connections
   * (http.Server's do), so without this nothing would close our side.
   */
  readonly #onEnd = (): void => {
    this.#close();
  };

  /** Serves the next request in `#unread`, or hands the connection over. */
  #next(): void {
    const unread = this.#unread as Buffer;
    const end = unread.indexOf("\r\n\r\n", 0, "latin1");
    if (end === -1) {
      if (unread.length > maxHeadBytes) this.#handoff();
      return;
    }
    if (end + 4 > maxHeadBytes) {
      this.#handoff();
      return;
    }
    const req = parseRequestHead(unread.toString("latin1", 0, end));
    if (req === undefined) {
      this.#handoff();
      return;
    }
    this.#unread = end + 4 < unread.length ? unread.subarray(end + 4) : undefined;
    const res = new TunnelResponse(this, req.method === "HEAD", req.keepAlive);
    this.#current = res;
    try {
      this.#handlers.request(req.request, res);
    } catch (error) {
      // The proxy answers every fault itself; one that escapes it closes the connection.
      this.#onError(error as NodeJS.ErrnoException);
    }
  }

  #handoff(): void {
    this.#done = true;
    const socket = this.#socket;
    socket.off("data", this.#onData);
    socket.off("end", this.#onEnd);
    socket.off("drain", this.#onDrain);
    socket.off("error", this.#onError);
    socket.off("close", this.#onClose);
    socket.setTimeout(0);
    socket.off("timeout", this.#onTimeout);
    const unread = this.#unread;
    this.#unread = undefined;
    this.#handlers.handoff(socket, unread);
    if (socket.isPaused()) socket.resume();
  }

  readonly #onDrain = (): void => {
    this.#current?.emitDrain();
  };

  readonly #onError = (error: NodeJS.ErrnoException): void => {
    this.#handlers.error(error, this.#socket);
    this.#socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#done = true;
    this.#unread = undefined;
    const res = this.#current;
    this.#current = undefined;
    res?.emitClose();
  };

  readonly #onTimeout = (): void => {
    if (this.#current === undefined) this.#socket.destroy();
  };
}

interface ParsedHead {
  request: TunnelRequest;
  method: string;
  keepAlive: boolean;
}

/**
 * A request head this server serves, or undefined for anything else (Node's server decides
 * those). `head` is the text before the blank line, read as latin1.
 */
export function parseRequestHead(head: string): ParsedHead | undefined {
  let lineEnd = head.indexOf("\r\n");
  if (lineEnd === -1) lineEnd = head.length;
  const sp1 = head.indexOf(" ");
  const sp2 = head.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || sp2 > lineEnd) return undefined;
  const method = head.slice(0, sp1);
  if (!methods.has(method)) return undefined;
  if (head.slice(sp2 + 1, lineEnd) !== "HTTP/1.1") return undefined;
  const url = head.slice(sp1 + 1, sp2);
  if (url.charCodeAt(0) !== 47 || !visibleAscii(url)) return undefined;
  const rawHeaders: string[] = [];
  let hosts = 0;
  let keepAlive = true;
  let lines = 0;
  let at = lineEnd + 2;
  while (at < head.length) {
    if (++lines > maxHeaderLines) return undefined;
    let next = head.indexOf("\r\n", at);
    if (next === -1) next = head.length;
    const colon = head.indexOf(":", at);
    if (colon <= at || colon >= next) return undefined;
    const name = head.slice(at, colon);
    if (!tokenChars.test(name)) return undefined;
    let start = colon + 1;
    let end = next;
    while (start < end && (head.charCodeAt(start) === 32 || head.charCodeAt(start) === 9)) start++;
    while (end > start && (head.charCodeAt(end - 1) === 32 || head.charCodeAt(end - 1) === 9)) end--;
    const value = head.slice(start, end);
    if (!fieldValue(value)) return undefined;
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") hosts += 1;
        break;
      case 6:
        if (name.toLowerCase() === "expect") return undefined;
        break;
      case 7:
        if (name.toLowerCase() === "upgrade") return undefined;
        break;
      case 10:
        if (name.toLowerCase() === "connection") {
          const tokens = value.toLowerCase();
          if (tokens.includes("upgrade")) return undefined;
          if (closeToken.test(tokens)) keepAlive = false;
        }
        break;
      case 14:
        if (name.toLowerCase() === "content-length" && value !== "0") return undefined;
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") return undefined;
        break;
    }
    rawHeaders.push(name, value);
    at = next + 2;
  }
  if (hosts !== 1) return undefined;
  return { request: new TunnelRequest(method, url, rawHeaders), method, keepAlive };
}

/** A request-target: visible ASCII only (no space, control or non-ASCII byte). */
function visibleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

/** A field value: visible ASCII, SP and HTAB (obs-text and controls are left to Node's server). */
function fieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9) || c >= 127) return false;
  }
  return true;
}

let dateSecond = -1;
let dateText = "";

/** The Date header's value, made once per second. */
function utcDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** What the proxy uses of a request from the agent: Node's IncomingMessage, or a TunnelRequest. */
export interface AgentRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly rawHeaders: string[];
  readonly complete: boolean;
  resume(): unknown;
  iterator(options?: { destroyOnReturn?: boolean }): AsyncIterable<unknown>;
}

/** What the proxy uses of its answer to the agent: Node's ServerResponse, or a TunnelResponse. */
export interface AgentResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  readonly closed: boolean;
  shouldKeepAlive: boolean;
  writeHead(
    status: number,
    statusText: string | undefined,
    headers: string[] | Record<string, string>,
  ): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): unknown;
  destroy(): unknown;
  on(event: "close" | "drain", listener: () => void): unknown;
  once(event: "close", listener: () => void): unknown;
}
