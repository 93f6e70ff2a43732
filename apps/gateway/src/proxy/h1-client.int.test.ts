import net, { type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type H1Handler,
  H1Pool,
  type H1Request,
  type ResponseHead,
  type UpstreamError,
} from "./h1-client.ts";

/** A raw loopback server: each connection gets `onConnection`; every socket is tracked. */
async function rawServer(onConnection: (socket: Socket) => void): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads requests off a socket: head and (Content-Length or chunked) body, one at a time. */
function onRequests(socket: Socket, handle: (head: string, body: Buffer, socket: Socket) => void): void {
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buf.subarray(0, end).toString("latin1");
      const length = /content-length: (\d+)/i.exec(head);
      let body: Buffer;
      let used: number;
      if (length) {
        const n = Number(length[1]);
        if (buf.length < end + 4 + n) return;
        body = buf.subarray(end + 4, end + 4 + n);
        used = end + 4 + n;
      } else if (/transfer-encoding: chunked/i.test(head)) {
        const text = buf.subarray(end + 4).toString("latin1");
        const last = text.indexOf("0\r\n\r\n");
        if (last === -1) return;
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const nl = text.indexOf("\r\n", at);
          const size = Number.parseInt(text.slice(at, nl), 16);
          if (size === 0) break;
          parts.push(Buffer.from(text.slice(nl + 2, nl + 2 + size), "latin1"));
          at = nl + 2 + size + 2;
        }
        body = Buffer.concat(parts);
        used = end + 4 + at + 5;
      } else {
        body = Buffer.alloc(0);
        used = end + 4;
      }
      buf = buf.subarray(used);
      handle(head, body, socket);
    }
  });
}

interface Outcome {
  head?: ResponseHead;
  body: string;
  error?: UpstreamError;
}

function send(pool: H1Pool, request: Partial<H1Request> & { path: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { body: "" };
    const handler: H1Handler = {
      onResponseStart: (head) => {
        out.head = head;
      },
      onResponseData: (chunk) => {
        out.body += chunk.toString();
        return true;
      },
      onResponseEnd: () => resolve(out),
      onResponseError: (error) => {
        out.error = error;
        resolve(out);
      },
    };
    pool.request(
      {
        method: "GET",
        rawHeaders: ["Host", "upstream.test"],
        body: null,
        contentLength: -1,
        ...request,
      },
      handler,
    );
  });
}

function poolTo(port: number, timeoutMs = 5_000): H1Pool {
  return new H1Pool({
    timeoutMs,
    keepAliveMs: 30_000,
    connect: (cb) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("error", (e) => cb(e));
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        cb(undefined, socket);
      });
    },
  });
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("the gateway's HTTP/1.1 upstream client", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("carries sequential requests on one kept-alive connection", async () => {
    const server = await rawServer((s) => onRequests(s, (_h, _b, sock) => sock.write(ok("hi"))));
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    for (let i = 0; i < 5; i++) expect((await send(pool, { path: `/r${i}` })).body).toBe("hi");
    expect(server.connections()).toBe(1);
  });

  it("sends a GET again on a new connection when its reused one was closed before any answer", async () => {
    // Answers the first request of each connection; a second one finds it closed (as an
    // upstream closing an idle connection just as the request goes out).
    const server = await rawServer((s) => {
      let served = 0;
      onRequests(s, (_h, _b, sock) => {
        served += 1;
        if (served === 1) sock.write(ok("fresh"));
        else sock.destroy();
      });
    });
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    expect((await send(pool, { path: "/a" })).body).toBe("fresh");
    const second = await send(pool, { path: "/b" });
    expect(second.error).toBeUndefined();
    expect(second.body).toBe("fresh");
    expect(server.connections()).toBe(2);
  });

  it("never repeats a POST: a reused connection closed under it is a 502-worthy error", async () => {
    let requests = 0;
    const server = await rawServer((s) =>
      onRequests(s, (_h, _b, sock) => {
        requests += 1;
        if (requests === 1) sock.write(ok("first"));
        else sock.destroy();
      }),
    );
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    expect((await send(pool, { path: "/a" })).body).toBe("first");
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from("payload");
    }
    const post = await send(pool, { path: "/b", method: "POST", body: body(), contentLength: 7 });
    expect(post.error?.message).toMatch(/closed|reset|EPIPE|ECONNRESET/i);
    expect(requests).toBe(2);
  });

  it("frames an iterable body of unknown length as chunked and one of known length with it", async () => {
    const seen: { head: string; body: string }[] = [];
    const server = await rawServer((s) =>
      onRequests(s, (head, body, sock) => {
        seen.push({ head, body: body.toString() });
        sock.write(ok("done"));
      }),
    );
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    async function* parts(): AsyncGenerator<Buffer> {
      yield Buffer.from("hello, ");
      yield Buffer.from("world");
    }
    expect((await send(pool, { path: "/c", method: "PUT", body: parts(), contentLength: -1 })).body).toBe(
      "done",
    );
    expect((await send(pool, { path: "/l", method: "PUT", body: parts(), contentLength: 12 })).body).toBe(
      "done",
    );
    expect(seen[0]?.head).toMatch(/transfer-encoding: chunked/i);
    expect(seen[0]?.body).toBe("hello, world");
    expect(seen[1]?.head).toMatch(/content-length: 12/i);
    expect(seen[1]?.body).toBe("hello, world");
    expect((await send(pool, { path: "/empty", method: "POST" })).body).toBe("done");
    expect(seen[2]?.head).toMatch(/content-length: 0/i);
    expect(server.connections()).toBe(1);
  });

  it("fails an exchange whose body ends short of its content-length", async () => {
    const server = await rawServer((s) => onRequests(s, (_h, _b, sock) => sock.write(ok("never"))));
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    async function* short(): AsyncGenerator<Buffer> {
      yield Buffer.from("abc");
    }
    const r = await send(pool, { path: "/s", method: "PUT", body: short(), contentLength: 10 });
    expect(r.error?.code).toBe("UPSTREAM_BODY_LENGTH");
  });

  it("times out an upstream that never answers, as a timeout", async () => {
    const server = await rawServer(() => undefined);
    cleanups.push(server.close);
    const pool = poolTo(server.port, 300);
    cleanups.push(() => pool.close());
    const r = await send(pool, { path: "/slow" });
    expect(r.error?.timedOut).toBe(true);
    expect(r.error?.code).toBe("UPSTREAM_TIMEOUT");
  });

  it("refuses, before sending anything, a header value that could split the request", async () => {
    const server = await rawServer(() => undefined);
    cleanups.push(server.close);
    const pool = poolTo(server.port);
    cleanups.push(() => pool.close());
    const handler: H1Handler = {
      onResponseStart: () => undefined,
      onResponseData: () => true,
      onResponseEnd: () => undefined,
      onResponseError: () => undefined,
    };
    expect(() =>
      pool.request(
        {
          method: "GET",
          path: "/",
          rawHeaders: ["Authorization", "Bearer x\r\nX-Injected: 1"],
          body: null,
          contentLength: -1,
        },
        handler,
      ),
    ).toThrow(/line break/);
    expect(server.connections()).toBe(0);
  });

  it("a paused response resumes, and a slow agent is not mistaken for a slow upstream", async () => {
    const big = "x".repeat(256 * 1024);
    const server = await rawServer((s) => onRequests(s, (_h, _b, sock) => sock.write(ok(big))));
    cleanups.push(server.close);
    const pool = poolTo(server.port, 200);
    cleanups.push(() => pool.close());
    const result = await new Promise<Outcome>((resolve) => {
      const out: Outcome = { body: "" };
      let paused = false;
      const controller = pool.request(
        { method: "GET", path: "/big", rawHeaders: [], body: null, contentLength: -1 },
        {
          onResponseStart: (head) => {
            out.head = head;
          },
          onResponseData: (chunk) => {
            out.body += chunk.toString();
            if (!paused) {
              paused = true;
              // The agent stalls for longer than the upstream timeout, then drains.
              setTimeout(() => controller.resume(), 500);
              return false;
            }
            return true;
          },
          onResponseEnd: () => resolve(out),
          onResponseError: (error) => {
            out.error = error;
            resolve(out);
          },
        },
      );
    });
    expect(result.error).toBeUndefined();
    expect(result.body.length).toBe(big.length);
  });
});
