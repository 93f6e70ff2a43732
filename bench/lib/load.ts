import net from "node:net";
import tls from "node:tls";

export interface LoadOptions {
  /** Target origin host and port (HTTPS). */
  host: string;
  port: number;
  path: string;
  ca: string[];
  /** Forward proxy to tunnel through (CONNECT), or direct when absent. */
  proxy?: { host: string; port: number; authorization?: string };
  concurrency: number;
  durationMs: number;
  /** Open a new TCP+TLS connection (and CONNECT tunnel) for every request. */
  newConnectionPerRequest: boolean;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A minimal keep-alive HTTPS load generator: raw sockets, CONNECT when proxied,
 * and a tiny response parser (Content-Length or chunked), so the client costs
 * the same for every proxy compared and stays out of the way.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + opts.durationMs;
  const request = Buffer.from(
    `GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUser-Agent: tf-bench\r\n${Object.entries(
      opts.headers ?? {},
    )
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}Connection: keep-alive\r\n\r\n`,
  );

  async function worker(): Promise<void> {
    let conn: Conn | undefined;
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        if (conn === undefined || opts.newConnectionPerRequest) {
          conn?.socket.destroy();
          conn = await connect(opts);
        }
        const status = await conn.roundTrip(request);
        if (status !== 200) errors++;
        latencies.push(performance.now() - start);
      } catch {
        errors++;
        conn?.socket.destroy();
        conn = undefined;
      }
    }
    conn?.socket.destroy();
  }

  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
  };
}

interface Conn {
  socket: tls.TLSSocket;
  roundTrip(req: Buffer): Promise<number>;
}

async function connect(opts: LoadOptions): Promise<Conn> {
  let raw: net.Socket;
  if (opts.proxy) {
    raw = net.connect(opts.proxy.port, opts.proxy.host);
    raw.setNoDelay(true);
    await once(raw, "connect");
    const auth = opts.proxy.authorization ? `Proxy-Authorization: ${opts.proxy.authorization}\r\n` : "";
    raw.write(`CONNECT ${opts.host}:${opts.port} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\n${auth}\r\n`);
    const head = await readHead(raw);
    if (!/^HTTP\/1\.[01] 200/.test(head)) throw new Error(`proxy refused CONNECT: ${head.split("\r\n")[0]}`);
  } else {
    raw = net.connect(opts.port, opts.host);
    raw.setNoDelay(true);
    await once(raw, "connect");
  }
  const socket = tls.connect({
    socket: raw,
    servername: opts.host,
    ca: opts.ca,
    ALPNProtocols: ["http/1.1"],
  });
  await once(socket, "secureConnect");
  return { socket, roundTrip: makeRoundTrip(socket) };
}

function makeRoundTrip(socket: tls.TLSSocket): (req: Buffer) => Promise<number> {
  let buf: Buffer = Buffer.alloc(0);
  let pending: { resolve: (s: number) => void; reject: (e: Error) => void } | undefined;
  const tryParse = () => {
    if (!pending) return;
    const headEnd = buf.indexOf("\r\n\r\n");
    if (headEnd === -1) return;
    const head = buf.subarray(0, headEnd).toString("latin1");
    const status = Number(head.slice(9, 12));
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let total: number;
    if (cl) {
      total = headEnd + 4 + Number(cl[1]);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const end = buf.indexOf("\r\n0\r\n\r\n", headEnd);
      if (end === -1) return;
      total = end + 7;
    } else {
      total = headEnd + 4;
    }
    if (buf.length < total) return;
    buf = buf.subarray(total);
    const p = pending;
    pending = undefined;
    p.resolve(status);
  };
  socket.on("data", (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    tryParse();
  });
  const fail = (e: Error) => {
    const p = pending;
    pending = undefined;
    p?.reject(e);
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("connection closed")));
  return (req) =>
    new Promise<number>((resolve, reject) => {
      pending = { resolve, reject };
      socket.write(req);
    });
}

function once(emitter: net.Socket, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    emitter.once("error", onErr);
    emitter.once(event, () => {
      emitter.off("error", onErr);
      resolve();
    });
  });
}

function readHead(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end !== -1) {
        socket.off("data", onData);
        socket.off("error", reject);
        if (end + 4 < buf.length) socket.unshift(Buffer.from(buf.slice(end + 4), "latin1"));
        resolve(buf.slice(0, end));
      }
    };
    socket.on("data", onData);
    socket.on("error", reject);
  });
}
