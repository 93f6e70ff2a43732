import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { clientAddressHeader, clientSignatureHeader, verifyClientAddress } from "@tameflare/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { forwardToApi } from "./forward.ts";
import { installPeerStamp, peerHeader } from "./peer-address.ts";

// The dashboard's forwarder on real sockets: a stand-in API on 127.0.0.1 records what reaches
// it, and a server that hands each request to `forwardToApi` the way Next.js does (a web
// Request built from the Node request's headers) plays the dashboard, with the peer stamp on.
describe("forwardToApi passes the visitor's address signed, and nothing the visitor claims", () => {
  const secret = randomBytes(32).toString("base64");
  const savedEnv = { ...process.env };
  let received: http.IncomingHttpHeaders[] = [];
  let api: http.Server;
  let dashboard: http.Server;
  let dashboardUrl = "";

  const listen = async (server: http.Server): Promise<string> => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    installPeerStamp();
    api = http.createServer((req, res) => {
      // What came over the wire (the stamp also marks this server's own requests in `headers`).
      const wire: http.IncomingHttpHeaders = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        wire[(req.rawHeaders[i] ?? "").toLowerCase()] = req.rawHeaders[i + 1];
      }
      received.push(wire);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    const apiUrl = await listen(api);
    process.env.API_URL = apiUrl;
    dashboard = http.createServer((req, res) => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(key, value);
      }
      void forwardToApi(
        new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method, headers }),
      ).then(async (out) => {
        res.writeHead(out.status, Object.fromEntries(out.headers));
        res.end(Buffer.from(await out.arrayBuffer()));
      });
    });
    dashboardUrl = await listen(dashboard);
  });
  afterEach(() => {
    received = [];
    process.env.TF_DASHBOARD_SECRET = savedEnv.TF_DASHBOARD_SECRET;
    process.env.TF_TRUSTED_PROXIES = savedEnv.TF_TRUSTED_PROXIES;
    if (savedEnv.TF_DASHBOARD_SECRET === undefined) delete process.env.TF_DASHBOARD_SECRET;
    if (savedEnv.TF_TRUSTED_PROXIES === undefined) delete process.env.TF_TRUSTED_PROXIES;
  });
  afterAll(async () => {
    dashboard.close();
    api.close();
    await Promise.all([once(dashboard, "close"), once(api, "close")]);
    process.env.API_URL = savedEnv.API_URL;
    if (savedEnv.API_URL === undefined) delete process.env.API_URL;
  });

  // What a visitor might send to pass for someone else.
  const spoofed = {
    [peerHeader]: "0123456789abcdef0123456789abcdef 198.51.100.66",
    [clientAddressHeader]: "198.51.100.67",
    [clientSignatureHeader]: `v1.${Math.floor(Date.now() / 1000)}.${"0".repeat(64)}`,
    "x-forwarded-for": "198.51.100.68",
  };
  async function forwarded(headers: Record<string, string>): Promise<http.IncomingHttpHeaders> {
    const res = await fetch(`${dashboardUrl}/trpc/auth.me`, { headers });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    return received[0] as http.IncomingHttpHeaders;
  }
  const vouchedFor = (h: http.IncomingHttpHeaders) =>
    verifyClientAddress(
      secret,
      {
        address: h[clientAddressHeader] as string | undefined,
        signature: h[clientSignatureHeader] as string | undefined,
      },
      Date.now(),
    );

  it("the TCP peer reaches the API signed with the shared secret; the visitor's own claims never do", async () => {
    process.env.TF_DASHBOARD_SECRET = secret;
    const h = await forwarded(spoofed);
    expect(await vouchedFor(h)).toBe("127.0.0.1");
    expect(h[peerHeader]).toBeUndefined();
    expect(JSON.stringify(h)).not.toMatch(/198\.51\.100\.6[67]/);
  });

  it("behind a trusted proxy, the visitor is the last X-Forwarded-For entry that is not a trusted proxy", async () => {
    process.env.TF_DASHBOARD_SECRET = secret;
    process.env.TF_TRUSTED_PROXIES = "10.9.9.9, 127.0.0.1";
    const h = await forwarded({ ...spoofed, "x-forwarded-for": "198.51.100.68, 203.0.113.5, 10.9.9.9" });
    expect(await vouchedFor(h)).toBe("203.0.113.5");
  });

  it("a peer that is no trusted proxy is the visitor, whatever X-Forwarded-For says", async () => {
    process.env.TF_DASHBOARD_SECRET = secret;
    process.env.TF_TRUSTED_PROXIES = "10.9.9.9";
    const h = await forwarded({ "x-forwarded-for": "203.0.113.5" });
    expect(await vouchedFor(h)).toBe("127.0.0.1");
  });

  it("without TF_DASHBOARD_SECRET no address is passed on, and the visitor's headers are still dropped", async () => {
    delete process.env.TF_DASHBOARD_SECRET;
    const h = await forwarded(spoofed);
    expect(h[clientAddressHeader]).toBeUndefined();
    expect(h[clientSignatureHeader]).toBeUndefined();
    expect(h[peerHeader]).toBeUndefined();
  });
});
