// The HTTP/1.1 response parser of the upstream client (`h1-client.ts`): bytes from the
// upstream socket in, one response head and its body out, framed as RFC 9112 §6.3 says.
// Strict on purpose: anything it cannot frame with certainty is an error (the exchange
// fails with a 502 and the connection is closed), never a guess that could desynchronise a
// reused connection.

/** Largest response head (status line and headers) accepted: 64 KiB. */
export const maxResponseHeadBytes = 64 * 1024;
/** Largest chunk-size line (size, extensions) or trailer section accepted. */
const maxChunkLineBytes = 4 * 1024;
const maxTrailerBytes = 16 * 1024;

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Names and values alternating, as received (names in their case, values trimmed). */
  rawHeaders: string[];
  /** The Content-Length the body is framed by; -1 when chunked, read to close or none. */
  contentLength: number;
  /** True when the connection can carry another request after this response. */
  keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, or -1. */
  keepAliveTimeoutSeconds: number;
}

export interface ResponseParserEvents {
  /** The final head (1xx interim responses are skipped). */
  onHead(head: ResponseHead): void;
  /** A slice of the body (a view into the received chunk: copy it to keep it). */
  onBody(chunk: Buffer): void;
  /** The body is complete; `rest` holds bytes received after it (none expected). */
  onComplete(rest: Buffer | undefined): void;
}

export class ResponseParseError extends Error {
  readonly code = "UPSTREAM_BAD_RESPONSE";
}

enum State {
  Head = 0,
  Length = 1,
  ChunkSize = 2,
  ChunkData = 3,
  ChunkDataEnd = 4,
  Trailers = 5,
  UntilClose = 6,
  Done = 7,
}

const crlfcrlf = Buffer.from("\r\n\r\n");
const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
export const tokenChars = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const digitsOnly = /^\d{1,15}$/;
const hexSize = /^[0-9A-Fa-f]{1,12}$/;

/**
 * Parses one response at a time: `begin(method)` before each request's response, then
 * `execute(chunk)` for every chunk received, and `end()` when the upstream closes. Errors
 * are thrown as `ResponseParseError`; after one the connection must be discarded.
 */
export class ResponseParser {
  readonly #events: ResponseParserEvents;
  #state: State = State.Done;
  #noBody = false;
  /** Bytes of an incomplete head or chunk line carried over from the previous chunk. */
  #pending: Buffer | undefined;
  #remaining = 0;
  #trailerBytes = 0;
  /** How many bytes of the CRLF after a chunk's data have arrived. */
  #crlfSeen = 0;

  constructor(events: ResponseParserEvents) {
    this.#events = events;
  }

  /** Expects the response to a request with this method (a HEAD response has no body). */
  begin(method: string): void {
    this.#state = State.Head;
    this.#noBody = method === "HEAD";
    this.#pending = undefined;
    this.#remaining = 0;
    this.#trailerBytes = 0;
    this.#crlfSeen = 0;
  }

  /** True once a head has been delivered and before the body completes. */
  get inBody(): boolean {
    return this.#state !== State.Head && this.#state !== State.Done;
  }

  /** True while a response is awaited or being received. */
  get active(): boolean {
    return this.#state !== State.Done;
  }

  execute(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case State.Head: {
          const used = this.#head(chunk, at);
          if (used === -1) return;
          at = used;
          break;
        }
        case State.Length: {
          at = this.#body(chunk, at);
          if (this.#remaining === 0) {
            this.#complete(chunk, at);
            return;
          }
          break;
        }
        case State.UntilClose:
          this.#events.onBody(at === 0 ? chunk : chunk.subarray(at));
          return;
        case State.ChunkSize: {
          const line = this.#line(chunk, at, maxChunkLineBytes, "chunk size line");
          if (line === undefined) return;
          at = line.next;
          const semicolon = line.text.indexOf(";");
          const size = (semicolon === -1 ? line.text : line.text.slice(0, semicolon)).trim();
          if (!hexSize.test(size))
            throw new ResponseParseError(`invalid chunk size \`${line.text.slice(0, 40)}\``);
          this.#remaining = Number.parseInt(size, 16);
          this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          at = this.#body(chunk, at);
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          // Exactly CR LF after the data (checked byte by byte: they may arrive apart).
          const want = this.#crlfSeen === 0 ? 13 : 10;
          if (chunk[at] !== want) throw new ResponseParseError("chunk data is not followed by CRLF");
          at += 1;
          this.#crlfSeen += 1;
          if (this.#crlfSeen === 2) {
            this.#crlfSeen = 0;
            this.#state = State.ChunkSize;
          }
          break;
        }
        case State.Trailers: {
          const line = this.#line(chunk, at, maxChunkLineBytes, "trailer line");
          if (line === undefined) return;
          at = line.next;
          this.#trailerBytes += line.text.length + 2;
          if (this.#trailerBytes > maxTrailerBytes)
            throw new ResponseParseError("the trailer section is too large");
          // Trailers are not forwarded (the agent gets the body); the empty line ends the message.
          if (line.text === "") {
            this.#complete(chunk, at);
            return;
          }
          break;
        }
        case State.Done:
          // Bytes nobody asked for: the connection cannot be trusted to be in sync.
          throw new ResponseParseError("the upstream sent data after its response");
      }
    }
  }

  /** Delivers up to `#remaining` body bytes from `chunk[at..]`; returns where the rest starts. */
  #body(chunk: Buffer, at: number): number {
    const n = Math.min(this.#remaining, chunk.length - at);
    this.#remaining -= n;
    this.#events.onBody(chunk.subarray(at, at + n));
    return at + n;
  }

  /** The upstream closed its side: completes a body read to the close, fails anything else. */
  end(): void {
    if (this.#state === State.UntilClose) {
      this.#state = State.Done;
      this.#events.onComplete(undefined);
      return;
    }
    if (this.#state !== State.Done) {
      throw new ResponseParseError(
        this.#state === State.Head
          ? "the upstream closed the connection before answering"
          : "the upstream closed the connection mid-body",
      );
    }
  }

  #complete(chunk: Buffer, at: number): void {
    this.#state = State.Done;
    this.#events.onComplete(at < chunk.length ? chunk.subarray(at) : undefined);
  }

  /** Consumes one head from `chunk[at..]`; returns where the rest starts, or -1 (need more). */
  #head(chunk: Buffer, at: number): number {
    let buf = chunk;
    let from = at;
    let searchFrom = at;
    const pending = this.#pending;
    if (pending !== undefined) {
      buf = Buffer.concat([pending, chunk.subarray(at)]);
      from = 0;
      searchFrom = Math.max(0, pending.length - 3);
    }
    const end = buf.indexOf(crlfcrlf, searchFrom);
    if (end === -1) {
      if (buf.length - from > maxResponseHeadBytes)
        throw new ResponseParseError("the response head is too large");
      this.#pending = from === 0 ? buf : buf.subarray(from);
      // A view would pin the whole socket chunk: keep a copy of just the head bytes.
      if (pending === undefined) this.#pending = Buffer.from(this.#pending);
      return -1;
    }
    if (end - from > maxResponseHeadBytes) throw new ResponseParseError("the response head is too large");
    this.#pending = undefined;
    const consumed = end + 4;
    const head = parseHead(buf.toString("latin1", from, end), this.#noBody);
    // The bytes of `chunk` that follow the head.
    const next = pending === undefined ? consumed : at + (consumed - pending.length);
    if (head.head.status < 200) {
      // 100 Continue, 102, 103 Early Hints: interim, another head follows.
      if (head.head.status === 101)
        throw new ResponseParseError("the upstream switched protocols on a plain request");
      return next;
    }
    this.#events.onHead(head.head);
    if (head.framing === "none") {
      this.#complete(chunk, next);
      return chunk.length;
    }
    if (head.framing === "length") {
      this.#remaining = head.head.contentLength;
      this.#state = State.Length;
      if (this.#remaining === 0) {
        this.#complete(chunk, next);
        return chunk.length;
      }
    } else {
      this.#state = head.framing === "chunked" ? State.ChunkSize : State.UntilClose;
    }
    return next;
  }

  /** One CRLF-terminated line from `chunk[at..]` (carried over across chunks), or undefined. */
  #line(chunk: Buffer, at: number, max: number, what: string): { text: string; next: number } | undefined {
    const lf = chunk.indexOf(10, at);
    const pending = this.#pending;
    if (lf === -1) {
      const piece = chunk.subarray(at);
      const joined = pending === undefined ? Buffer.from(piece) : Buffer.concat([pending, piece]);
      if (joined.length > max + 2) throw new ResponseParseError(`the ${what} is too long`);
      this.#pending = joined;
      return undefined;
    }
    let text: string;
    if (pending === undefined) {
      text = chunk.toString("latin1", at, lf);
    } else {
      text = Buffer.concat([pending, chunk.subarray(at, lf)]).toString("latin1");
      this.#pending = undefined;
    }
    if (!text.endsWith("\r")) throw new ResponseParseError(`the ${what} does not end with CRLF`);
    text = text.slice(0, -1);
    if (text.length > max) throw new ResponseParseError(`the ${what} is too long`);
    return { text, next: lf + 1 };
  }
}

type Framing = "none" | "length" | "chunked" | "close";

function parseHead(text: string, noBody: boolean): { head: ResponseHead; framing: Framing } {
  const lines = text.split("\r\n");
  const m = statusLine.exec(lines[0] as string);
  if (!m) throw new ResponseParseError(`invalid status line \`${(lines[0] as string).slice(0, 60)}\``);
  const http10 = m[1] === "0";
  const status = Number(m[2]);
  const rawHeaders: string[] = [];
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection = "";
  let keepAliveTimeoutSeconds = -1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new ResponseParseError(
        line.startsWith(" ") || line.startsWith("\t")
          ? "obsolete line folding in a header"
          : "a header line has no name",
      );
    }
    const name = line.slice(0, colon);
    if (!tokenChars.test(name)) throw new ResponseParseError(`invalid header name \`${name.slice(0, 60)}\``);
    const value = trimOws(line, colon + 1);
    if (hasControlCharacter(value)) throw new ResponseParseError(`invalid character in header \`${name}\``);
    rawHeaders.push(name, value);
    switch (name.length) {
      case 10:
        if (name.toLowerCase() === "connection") connection += `,${value.toLowerCase()}`;
        else if (name.toLowerCase() === "keep-alive") {
          const t = /(?:^|,)\s*timeout\s*=\s*(\d+)/i.exec(value);
          if (t) keepAliveTimeoutSeconds = Number(t[1]);
        }
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          // Repeated values (`5, 5` or two fields) must agree; anything else is unframeable.
          for (const part of value.split(",")) {
            const v = part.trim();
            if (!digitsOnly.test(v))
              throw new ResponseParseError(`invalid content-length \`${value.slice(0, 40)}\``);
            const n = Number(v);
            if (contentLength !== -1 && contentLength !== n)
              throw new ResponseParseError("conflicting content-length values");
            contentLength = n;
          }
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        }
        break;
    }
  }
  const tokens = connection.split(",").map((t) => t.trim());
  let keepAlive = http10 ? tokens.includes("keep-alive") : !tokens.includes("close");
  let framing: Framing;
  if (noBody || status < 200 || status === 204 || status === 304) {
    framing = "none";
  } else if (transferEncoding !== undefined) {
    const codings = transferEncoding
      .toLowerCase()
      .split(",")
      .map((t) => t.trim());
    if (codings.at(-1) === "chunked") {
      if (codings.indexOf("chunked") !== codings.length - 1)
        throw new ResponseParseError("chunked is applied twice");
      framing = "chunked";
    } else {
      framing = "close";
      keepAlive = false;
    }
    // With both, Transfer-Encoding wins and the connection is not reused (RFC 9112 §6.3).
    if (contentLength !== -1) keepAlive = false;
    contentLength = -1;
  } else if (contentLength !== -1) {
    framing = "length";
  } else {
    framing = "close";
    keepAlive = false;
  }
  return {
    head: {
      status,
      statusText: m[3] ?? "",
      rawHeaders,
      contentLength: framing === "length" ? contentLength : -1,
      keepAlive,
      keepAliveTimeoutSeconds,
    },
    framing,
  };
}

/** `text[from..]` without leading and trailing SP / HTAB (the only optional whitespace of HTTP). */
function trimOws(text: string, from: number): string {
  let start = from;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}

/** A field value may hold visible ASCII, obs-text, SP and HTAB: no other control character. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}
