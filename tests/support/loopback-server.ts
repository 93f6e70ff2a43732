import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops listening and ends every connection, answered or not. */
  close(): Promise<void>;
}

/**
 * A plain HTTP server on 127.0.0.1 for a test's fake upstream: `close` also ends the
 * connections a handler left hanging on purpose (a stalled or silent answer).
 */
export async function startLoopbackServer(handler: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
