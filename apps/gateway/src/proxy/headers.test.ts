import { describe, expect, it } from "vitest";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.ts";

const base = { requestId: "req_12345678", agent: "bot" };

describe("headers across the proxy", () => {
  it("proxy credentials, hop-by-hop headers and the agent's auth header never go upstream", () => {
    const out = upstreamRequestHeaders(
      [
        "Host",
        "api.test",
        "Proxy-Authorization",
        "Basic eDp5",
        "Proxy-Connection",
        "keep-alive",
        "Connection",
        "keep-alive, X-Secret-Hop",
        "X-Secret-Hop",
        "1",
        "Keep-Alive",
        "timeout=5",
        "TE",
        "trailers",
        "Authorization",
        "Bearer dummy",
        "X-Other",
        "kept",
        "Content-Length",
        "3",
      ],
      { ...base, strip: new Set(["authorization"]), inject: { name: "authorization", value: "Bearer real" } },
    );
    expect(out).toEqual([
      "Host",
      "api.test",
      "X-Other",
      "kept",
      "Content-Length",
      "3",
      "authorization",
      "Bearer real",
      "X-TameFlare-Request-Id",
      "req_12345678",
      "X-TameFlare-Agent",
      "bot",
    ]);
  });

  it("an agent cannot forge the gateway's own headers", () => {
    const out = upstreamRequestHeaders(
      ["X-TameFlare-Agent", "admin", "x-tameflare-request-id", "req_forged"],
      {
        ...base,
        strip: new Set(),
      },
    );
    expect(out).toEqual(["X-TameFlare-Request-Id", "req_12345678", "X-TameFlare-Agent", "bot"]);
  });

  it("an upstream override replaces the Host header; a WebSocket keeps Upgrade", () => {
    const out = upstreamRequestHeaders(
      ["Host", "api.github.com", "Connection", "Upgrade", "Upgrade", "websocket"],
      {
        ...base,
        strip: new Set(),
        host: "localhost:9443",
        upgrade: true,
      },
    );
    expect(out.slice(0, 6)).toEqual([
      "Host",
      "localhost:9443",
      "Connection",
      "Upgrade",
      "Upgrade",
      "websocket",
    ]);
  });

  it("response headers lose hop-by-hop entries and have secrets redacted", () => {
    const out = downstreamResponseHeaders(
      [
        "Content-Type",
        "text/plain",
        "Connection",
        "close",
        "X-Echo",
        "Bearer real",
        "Proxy-Authenticate",
        "Basic",
      ],
      (v) => v.replace("real", "****"),
    );
    expect(out).toEqual(["Content-Type", "text/plain", "X-Echo", "Bearer ****"]);
  });
});
