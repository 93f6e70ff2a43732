import { describe, expect, it } from "vitest";
import {
  maxResponseHeadBytes,
  type ResponseHead,
  ResponseParseError,
  ResponseParser,
} from "./h1-response-parser.ts";

interface Parsed {
  head: ResponseHead | undefined;
  body: string;
  complete: boolean;
  rest: string | undefined;
}

/** Feeds `wire` in the given pieces (byte offsets) and reports what the parser produced. */
function parse(wire: string, options: { method?: string; splits?: number[]; close?: boolean } = {}): Parsed {
  const out: Parsed = { head: undefined, body: "", complete: false, rest: undefined };
  const parser = new ResponseParser({
    onHead: (head) => {
      out.head = head;
    },
    onBody: (chunk) => {
      out.body += chunk.toString("latin1");
    },
    onComplete: (rest) => {
      out.complete = true;
      out.rest = rest?.toString("latin1");
    },
  });
  parser.begin(options.method ?? "GET");
  const bytes = Buffer.from(wire, "latin1");
  const cuts = [0, ...(options.splits ?? []), bytes.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const piece = bytes.subarray(cuts[i], cuts[i + 1]);
    if (piece.length > 0) parser.execute(piece);
    if (out.complete) {
      // What came after the response in the same piece was handed back, not parsed.
      break;
    }
  }
  if (options.close) parser.end();
  return out;
}

/** Every way of cutting `wire` in two, plus byte by byte: all must agree with the whole. */
function everySplit(wire: string, method = "GET"): Parsed[] {
  const results = [parse(wire, { method })];
  for (let cut = 1; cut < wire.length; cut++) results.push(parse(wire, { method, splits: [cut] }));
  results.push(
    parse(wire, {
      method,
      splits: Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
    }),
  );
  return results;
}

const cases: {
  name: string;
  wire: string;
  method?: string;
  status: number;
  body: string;
  keepAlive: boolean;
}[] = [
  {
    name: "a Content-Length body",
    wire: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}',
    status: 200,
    body: '{"ok":true}',
    keepAlive: true,
  },
  {
    name: "a chunked body with an extension and trailers",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
    status: 200,
    body: "hello, world",
    keepAlive: true,
  },
  {
    name: "interim 100 and 103 responses are skipped",
    wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    status: 201,
    body: "ok",
    keepAlive: true,
  },
  {
    name: "a HEAD response has no body whatever its Content-Length",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
    method: "HEAD",
    status: 200,
    body: "",
    keepAlive: true,
  },
  {
    name: "204 and 304 have no body",
    wire: "HTTP/1.1 204 No Content\r\n\r\n",
    status: 204,
    body: "",
    keepAlive: true,
  },
  {
    name: "Connection: close is honoured",
    wire: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
    status: 200,
    body: "x",
    keepAlive: false,
  },
  {
    name: "HTTP/1.0 is not kept alive unless asked",
    wire: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
    status: 200,
    body: "x",
    keepAlive: false,
  },
  {
    name: "Transfer-Encoding wins over Content-Length, and the connection is not reused",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    status: 200,
    body: "hi",
    keepAlive: false,
  },
  {
    name: "a status line without a reason phrase",
    wire: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
    status: 404,
    body: "",
    keepAlive: true,
  },
];

describe("the upstream response parser", () => {
  for (const c of cases) {
    it(`frames ${c.name}, however the bytes are split`, () => {
      for (const r of everySplit(c.wire, c.method)) {
        expect(r.head?.status).toBe(c.status);
        expect(r.body).toBe(c.body);
        expect(r.complete).toBe(true);
        expect(r.rest).toBeUndefined();
        expect(r.head?.keepAlive).toBe(c.keepAlive);
      }
    });
  }

  it("keeps header names' case and order, trims optional whitespace only, and reads Keep-Alive's timeout", () => {
    const r = parse(
      "HTTP/1.1 200 OK\r\nX-A:  one \t\r\nx-b:two\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n",
    );
    expect(r.head?.rawHeaders).toEqual([
      "X-A",
      "one",
      "x-b",
      "two",
      "Keep-Alive",
      "timeout=5, max=100",
      "Content-Length",
      "0",
    ]);
    expect(r.head?.keepAliveTimeoutSeconds).toBe(5);
    expect(r.head?.contentLength).toBe(0);
  });

  it("reads a body without framing until the upstream closes, and does not reuse the connection", () => {
    const r = parse("HTTP/1.1 200 OK\r\n\r\nstreamed until close", { close: true });
    expect(r.body).toBe("streamed until close");
    expect(r.complete).toBe(true);
    expect(r.head?.keepAlive).toBe(false);
  });

  it("hands back bytes that follow the response instead of parsing them", () => {
    const r = parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n");
    expect(r.body).toBe("x");
    expect(r.rest).toBe("HTTP/1.1 200 OK\r\n");
  });

  const bad: { name: string; wire: string; close?: boolean; message: RegExp }[] = [
    { name: "a bad status line", wire: "HTTP/2 200 OK\r\n\r\n", message: /invalid status line/ },
    {
      name: "conflicting Content-Length values",
      wire: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      message: /conflicting/,
    },
    {
      name: "a non-numeric Content-Length",
      wire: "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
      message: /invalid content-length/,
    },
    { name: "obsolete line folding", wire: "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", message: /folding/ },
    {
      name: "a control character in a value",
      wire: "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n",
      message: /invalid character/,
    },
    {
      name: "a space in a header name",
      wire: "HTTP/1.1 200 OK\r\nX A: b\r\n\r\n",
      message: /invalid header name/,
    },
    {
      name: "a bad chunk size",
      wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      message: /invalid chunk size/,
    },
    {
      name: "chunk data without its CRLF",
      wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy",
      message: /CRLF/,
    },
    {
      name: "chunked applied twice",
      wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      message: /twice/,
    },
    {
      name: "an unasked protocol switch",
      wire: "HTTP/1.1 101 Switching Protocols\r\n\r\n",
      message: /switched protocols/,
    },
    { name: "a close before the answer", wire: "HTTP/1.1 200", close: true, message: /before answering/ },
    {
      name: "a close mid-body",
      wire: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
      close: true,
      message: /mid-body/,
    },
    {
      name: "a head larger than 64 KiB",
      wire: `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(maxResponseHeadBytes)}`,
      message: /too large/,
    },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with a clear error`, () => {
      expect(() => parse(b.wire, { close: b.close ?? false })).toThrow(ResponseParseError);
      expect(() => parse(b.wire, { close: b.close ?? false })).toThrow(b.message);
    });
  }

  it("refuses data after the response once it is complete", () => {
    const parser = new ResponseParser({
      onHead: () => undefined,
      onBody: () => undefined,
      onComplete: () => undefined,
    });
    parser.begin("GET");
    parser.execute(Buffer.from("HTTP/1.1 204 No Content\r\n\r\n"));
    expect(() => parser.execute(Buffer.from("x"))).toThrow(/after its response/);
  });
});
