import http from "node:http";
import net, { type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { agentError, sendAgentError } from "./agent-errors.ts";
import {
  type AgentResponse,
  parseRequestHead,
  serveTunnel,
  type TunnelRequest,
  type TunnelResponse,
} from "./tunnel-http.ts";

type Handler = (req: { method?: string | undefined; url?: string | undefined }, res: AgentResponse) => void;

interface Started {
  port: number;
  handoffs: { unread: string }[];
  requests: string[];
  /** Messages the error hook received. */
  errors: string[];
  close(): Promise<void>;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A loopback server on `serveTunnel`; a handed-over connection gets a raw `299 Handed` answer. */
async function tunnelServer(handler: Handler, keepAliveTimeoutMs = 30_000): Promise<Started> {
  const sockets = new Set<Socket>();
  const handoffs: { unread: string }[] = [];
  const requests: string[] = [];
  const errors: string[] = [];
  // Half-open allowed, like the sockets of the gateway's CONNECT (http.Server's are).
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveTunnel(
      socket,
      {
        request: (req: TunnelRequest, res: TunnelResponse) => {
          requests.push(`${req.method} ${req.url}`);
          handler(req, res);
        },
        handoff: (s, unread) => {
          handoffs.push({ unread: unread?.toString("latin1") ?? "" });
          s.end("HTTP/1.1 299 Handed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        },
        error: (error) => errors.push(error.message),
      },
      keepAliveTimeoutMs,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  stops.push(close);
  return { port: (server.address() as net.AddressInfo).port, handoffs, requests, errors, close };
}

/** The same handler on Node's http server (the reference for framing). */
async function nodeServer(handler: Handler): Promise<{ port: number }> {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port };
}

/** Writes `bytes`, reads until `done(text)` holds or the peer closes; the socket is destroyed after. */
function exchange(port: number, bytes: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    const finish = () => {
      socket.destroy();
      resolve(text);
    };
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (done(text)) finish();
    });
    socket.on("end", finish);
    socket.on("error", reject);
    socket.write(bytes, "latin1");
  });
}

/** Complete HTTP/1.1 responses in `text` (Content-Length, chunked or bodyless), as far as they go. */
function responses(text: string, bodyless = false): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const head = text.slice(at, end);
    let next = end + 4;
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const status = Number(head.slice(9, 12));
    if (bodyless || status === 204 || status === 304) {
      // no body
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const last = text.indexOf("\r\n0\r\n\r\n", end);
      const empty = text.startsWith("0\r\n\r\n", next);
      if (!empty && last === -1) break;
      next = empty ? next + 5 : last + 7;
    } else if (length) {
      next += Number(length[1]);
      if (next > text.length) break;
    }
    out.push(text.slice(at, next));
    at = next;
  }
  return out;
}

const withoutDate = (response: string) => response.replace(/\r\nDate: [^\r]*/, "\r\nDate: -");
const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: api.test\r\n${extra}\r\n`;

const cases: Record<string, Handler> = {
  "/length": (_req, res) => {
    res.writeHead(200, undefined, [
      "Content-Type",
      "application/json",
      "Content-Length",
      "11",
      "X-Multi",
      "a",
    ]);
    res.end(Buffer.from('{"ok":true}'));
  },
  "/chunked-implicit": (_req, res) => {
    res.writeHead(201, "Made", ["Content-Type", "text/plain"]);
    res.write(Buffer.from("ab"));
    res.write(Buffer.from("cde"));
    res.end();
  },
  "/chunked-declared": (_req, res) => {
    res.writeHead(200, undefined, ["Transfer-Encoding", "chunked"]);
    res.write(Buffer.from("x".repeat(300)));
    res.end(Buffer.from("tail"));
  },
  "/empty": (_req, res) => {
    res.writeHead(204, undefined, ["X-Empty", "1"]);
    res.end();
  },
  "/error": (_req, res) => sendAgentError(res, agentError("denied", "req_123", "no"), true),
  "/record": (_req, res) => {
    res.writeHead(404, undefined, { "content-type": "text/plain", "content-length": "4" });
    res.end("none");
  },
};

describe("serveTunnel", () => {
  it("frames every kind of response byte for byte as Node's ServerResponse does (Date aside)", async () => {
    const handler: Handler = (req, res) => (cases[req.url ?? ""] as Handler)(req, res);
    const lean = await tunnelServer(handler);
    const node = await nodeServer(handler);
    for (const path of Object.keys(cases)) {
      for (const extra of ["", "Connection: close\r\n"]) {
        const request = get(path, extra);
        const ours = await exchange(lean.port, request, (t) => responses(t).length === 1);
        const theirs = await exchange(node.port, request, (t) => responses(t).length === 1);
        expect(withoutDate(responses(ours)[0] as string), `${path} ${extra}`).toBe(
          withoutDate(responses(theirs)[0] as string),
        );
        expect(ours).toMatch(/\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
      }
    }
    expect(lean.handoffs).toEqual([]);
  });

  it("answers HEAD without a body, like Node, and keeps the connection for the next request", async () => {
    const handler: Handler = (req, res) => {
      res.writeHead(
        200,
        undefined,
        req.url === "/unframed" ? ["Content-Type", "a/b"] : ["Content-Length", "5"],
      );
      res.end(Buffer.from("hello"));
    };
    const lean = await tunnelServer(handler);
    const node = await nodeServer(handler);
    for (const path of ["/", "/unframed"]) {
      const two = `HEAD ${path} HTTP/1.1\r\nHost: a\r\n\r\n${get("/")}`;
      const done = (t: string) => t.endsWith("hello");
      const ours = await exchange(lean.port, two, done);
      const theirs = await exchange(node.port, two, done);
      expect(withoutDate(ours).replaceAll("\r\nDate: -", "")).toBe(
        withoutDate(theirs).replaceAll("\r\nDate: -", ""),
      );
      expect(ours.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    }
  });

  it("serves pipelined requests one at a time, in order", async () => {
    const pending: (() => void)[] = [];
    const lean = await tunnelServer((req, res) => {
      pending.push(() => {
        res.writeHead(200, undefined, ["Content-Length", String(req.url?.length)]);
        res.end(Buffer.from(req.url ?? ""));
      });
    });
    const socket = net.connect(lean.port, "127.0.0.1");
    stops.push(async () => {
      socket.destroy();
    });
    let text = "";
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    socket.write(get("/first") + get("/second") + get("/third"));
    await expect.poll(() => lean.requests).toEqual(["GET /first"]);
    (pending.shift() as () => void)();
    // The second request is taken only once the first answer has gone out.
    await expect.poll(() => lean.requests).toEqual(["GET /first", "GET /second"]);
    expect(responses(text).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4))).toEqual(["/first"]);
    (pending.shift() as () => void)();
    await expect.poll(() => lean.requests).toHaveLength(3);
    (pending.shift() as () => void)();
    await expect.poll(() => responses(text).length).toBe(3);
    expect(responses(text).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4))).toEqual([
      "/first",
      "/second",
      "/third",
    ]);
  });

  it("closes the connection after answering `Connection: close`", async () => {
    const lean = await tunnelServer(cases["/length"] as Handler);
    const text = await exchange(lean.port, get("/", "Connection: close\r\n") + get("/again"), () => false);
    expect(responses(text)).toHaveLength(1);
    expect(text).toContain("\r\nConnection: close\r\n");
    expect(lean.requests).toEqual(["GET /"]);
  });

  it.each([
    ["a body", "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"],
    [
      "a chunked body",
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ],
    ["Expect", "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"],
    ["an upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"],
    ["HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\n\r\n"],
    ["absolute-form", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["an unusual method", "PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["a lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
    ["a folded line", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"],
    ["a control character", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\n\r\n"],
    ["a non-ASCII value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n"],
    ["a space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n\r\n\r\n"],
    ["an oversized head", `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(17_000)}\r\n\r\n`],
    ["a head that never ends", `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(17_000)}`],
  ])("hands a request with %s to Node's server, with every byte it read", async (_what, request) => {
    const lean = await tunnelServer(cases["/length"] as Handler);
    const text = await exchange(lean.port, request, (t) => t.includes("299 Handed"));
    expect(text).toContain("HTTP/1.1 299 Handed");
    expect(lean.requests).toEqual([]);
    expect(lean.handoffs).toHaveLength(1);
    expect(lean.handoffs[0]?.unread).toBe(request);
  });

  it("serves what it can, then hands over the rest of the connection from the first other request", async () => {
    const lean = await tunnelServer(cases["/length"] as Handler);
    const post = "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi";
    const text = await exchange(lean.port, get("/one") + post + get("/after"), (t) =>
      t.includes("299 Handed"),
    );
    expect(responses(text)[0]).toContain('{"ok":true}');
    expect(lean.requests).toEqual(["GET /one"]);
    expect(lean.handoffs[0]?.unread).toBe(post + get("/after"));
  });

  it("takes the agent's FIN as the end of the connection, as Node does: a request in progress sees it gone", async () => {
    let gone: boolean | undefined;
    const lean = await tunnelServer((_req, res) => {
      res.on("close", () => {
        gone = !res.writableFinished;
      });
    });
    const socket = net.connect(lean.port, "127.0.0.1");
    const ended = new Promise<void>((resolve) => socket.once("end", resolve));
    socket.end(get("/held"));
    await ended;
    socket.destroy();
    await expect.poll(() => gone).toBe(true);
    expect(lean.requests).toEqual(["GET /held"]);
  });

  it("closes an idle kept-alive connection when the agent closes its side", async () => {
    const lean = await tunnelServer(cases["/length"] as Handler);
    const socket = net.connect(lean.port, "127.0.0.1");
    let text = "";
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    socket.write(get("/"));
    await expect.poll(() => responses(text).length).toBe(1);
    const ended = new Promise<void>((resolve) => socket.once("end", resolve));
    socket.end();
    await ended;
    socket.destroy();
  });

  it("a fault that escapes the request handler closes the connection and is reported, never answered", async () => {
    const lean = await tunnelServer(() => {
      throw new Error("a bug in the lifecycle");
    });
    const text = await exchange(lean.port, get("/"), () => false);
    expect(text).toBe("");
    expect(lean.errors).toEqual(["a bug in the lifecycle"]);
  });

  it("refuses a header that would break the framing, before writing anything", async () => {
    const lean = await tunnelServer((_req, res) => {
      expect(() => res.writeHead(200, undefined, ["X-Evil", "a\r\nSet-Cookie: b"])).toThrow(
        /invalid character/,
      );
      expect(() => res.writeHead(200, undefined, ["Bad Name", "a"])).toThrow(/invalid header name/);
      expect(res.headersSent).toBe(false);
      res.writeHead(200, undefined, ["Content-Length", "2"]);
      res.end(Buffer.from("ok"));
    });
    const text = await exchange(lean.port, get("/"), (t) => t.endsWith("ok"));
    expect(text).not.toContain("Evil");
    expect(text.startsWith("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")).toBe(true);
  });

  it("tells a response its agent went away (close before finish), and streams writes as they come", async () => {
    let closedEarly: boolean | undefined;
    let wrote: () => void = () => {};
    const firstBytes = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const lean = await tunnelServer((_req, res) => {
      res.on("close", () => {
        closedEarly = !res.writableFinished;
      });
      res.writeHead(200, undefined, ["Content-Type", "text/event-stream"]);
      res.write(Buffer.from("data: 1\n\n"));
      wrote();
    });
    const socket = net.connect(lean.port, "127.0.0.1");
    let text = "";
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    socket.write(get("/events"));
    await firstBytes;
    await expect.poll(() => text).toContain("9\r\ndata: 1\n\n\r\n");
    socket.destroy();
    await expect.poll(() => closedEarly).toBe(true);
  });

  it("closes an idle connection after the keep-alive timeout, never one waiting for its answer", async () => {
    let answer: (() => void) | undefined;
    const lean = await tunnelServer((_req, res) => {
      answer = () => {
        res.writeHead(200, undefined, ["Content-Length", "0"]);
        res.end();
      };
    }, 100);
    const client = net.connect(lean.port, "127.0.0.1");
    let text = "";
    let closed = false;
    client.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    client.on("close", () => {
      closed = true;
    });
    client.write(get("/held"));
    await expect.poll(() => answer).toBeDefined();
    // Several timeouts pass while the request is held: the connection stays.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(closed).toBe(false);
    (answer as () => void)();
    await expect.poll(() => text).toContain("HTTP/1.1 200 OK");
    await expect.poll(() => closed, { timeout: 5_000 }).toBe(true);
  });
});

describe("parseRequestHead", () => {
  it("keeps names, values and order as sent, trims optional whitespace, reads Connection", () => {
    const parsed = parseRequestHead(
      "DELETE /v1/items/7?force=1 HTTP/1.1\r\nHost: api.test\r\nX-Trace:  a b \t\r\nconnection: Keep-Alive, Close\r\nContent-Length: 0",
    );
    expect(parsed?.request.method).toBe("DELETE");
    expect(parsed?.request.url).toBe("/v1/items/7?force=1");
    expect(parsed?.request.rawHeaders).toEqual([
      "Host",
      "api.test",
      "X-Trace",
      "a b",
      "connection",
      "Keep-Alive, Close",
      "Content-Length",
      "0",
    ]);
    expect(parsed?.keepAlive).toBe(false);
    expect(parseRequestHead("GET / HTTP/1.1\r\nHost: a")?.keepAlive).toBe(true);
  });
});
