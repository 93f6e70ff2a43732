import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One plain-HTTP request through the gateway (absolute-form, with the agent's proxy credentials). */
export function proxyRequest(
  proxyPort: number,
  credentials: { username: string; password: string },
  url: string,
  options: { method?: string } = {},
): Promise<ProxiedResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: proxyPort,
        method: options.method ?? "GET",
        path: target.href,
        agent: false,
        headers: {
          host: target.host,
          "proxy-authorization": `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`,
          // The agent's own (dummy) credential: the gateway replaces it with the real one on allow.
          authorization: "Bearer tf_dummy_agent_value",
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A plain-HTTP upstream that records the Authorization header of each request. */
export async function startRecordingUpstream(): Promise<{
  port: number;
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}> {
  const authorizations: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    authorizations,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `probe` until it returns a truthy value (never a fixed sleep in a test). */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      // A probe may fail while the condition is still forming (a file not written yet): retry.
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
