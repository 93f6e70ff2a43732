import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { AppDeps } from "../deps.ts";
import type { AppRouter } from "../routers/index.ts";
import { resolvePrincipal } from "../trpc/context.ts";
import { clientAddressHeader, clientSignatureHeader, verifyClientAddress } from "./client-address.ts";

export interface ApiServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes. */
  close(): Promise<void>;
}

export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => Promise<boolean> | boolean;

/**
 * The API over Node HTTP: `/trpc/*` (tRPC standalone adapter), `/healthz`,
 * `/readyz`, and extra handlers (metrics, Slack) tried in order before tRPC.
 */
export async function startApiServer(
  deps: AppDeps,
  appRouter: AppRouter,
  options: { host: string; port: number; handlers?: RouteHandler[] },
): Promise<ApiServer> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    // Bodies are read before authentication: bound them. The largest legitimate body is an
    // audit batch of 5,000 events (~3.5 MB typical, well under this with long paths and reasons).
    maxBodySize: 64 * 1024 * 1024,
    async createContext({ req, res }) {
      const { principal, sessionToken } = await resolvePrincipal(deps, {
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
      });
      return {
        deps,
        principal,
        sessionToken,
        ip: await callerAddress(deps, req),
        userAgent: req.headers["user-agent"] ?? null,
        setCookie(cookie: string) {
          const prev = res.getHeader("set-cookie");
          res.setHeader("set-cookie", [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), cookie]);
        },
      };
    },
  });

  const server = http.createServer(async (req, res) => {
    try {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/healthz") return sendJson(res, 200, { ok: true });
      if (path === "/readyz") {
        const [dbOk, queueOk] = await Promise.all([deps.db.ping(), deps.queue.ping()]);
        return sendJson(res, dbOk && queueOk ? 200 : 503, {
          ok: dbOk && queueOk,
          database: dbOk,
          queue: queueOk,
        });
      }
      for (const handler of options.handlers ?? []) {
        if (await handler(req, res)) return;
      }
      if (path?.startsWith("/trpc/")) return trpc(req, res);
      return sendJson(res, 404, { error: { code: "not_found", message: `no route for \`${path}\`` } });
    } catch (cause) {
      deps.log.error("request failed", cause);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "internal error" } });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), deps.env.SHUTDOWN_TIMEOUT_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/**
 * The caller's address for throttling and session records: the visitor's address when the
 * dashboard vouches for it (headers signed with TF_DASHBOARD_SECRET, see client-address.ts),
 * else the socket's. A header nobody signed is ignored, so a direct caller cannot pick the
 * address it is counted under.
 */
export async function callerAddress(deps: AppDeps, req: http.IncomingMessage): Promise<string | null> {
  const secret = deps.env.TF_DASHBOARD_SECRET;
  const address = req.headers[clientAddressHeader];
  if (secret !== undefined && typeof address === "string") {
    const signature = req.headers[clientSignatureHeader];
    const vouched = await verifyClientAddress(
      secret,
      { address, signature: typeof signature === "string" ? signature : undefined },
      deps.clock().getTime(),
    );
    if (vouched !== null) return vouched;
  }
  return req.socket.remoteAddress ?? null;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
