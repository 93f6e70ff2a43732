import { describe, expect, it } from "vitest";
import {
  downstreamResponseHeaders,
  snapshotHeaders,
  snapshotRawHeaders,
  upstreamRequestHeaders,
} from "./headers.ts";

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

  it("the one-pass header snapshot equals the one built from headersDistinct, proxy credentials left out", () => {
    const raw = [
      "Host",
      "api.test",
      "Proxy-Authorization",
      "Basic eDp5",
      "Accept",
      "a/b",
      "X-Many",
      "1",
      "x-many",
      "2",
      "X-MANY",
      "3",
      "Proxy-Connection",
      "keep-alive",
      "Content-Type",
      "application/json",
    ];
    const distinct: Record<string, string[]> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const k = (raw[i] as string).toLowerCase();
      distinct[k] = [...(distinct[k] ?? []), raw[i + 1] as string];
    }
    expect({ ...snapshotRawHeaders(raw) }).toEqual(snapshotHeaders(distinct));
    expect(snapshotRawHeaders(raw)["x-many"]).toEqual(["1", "2", "3"]);
    expect(snapshotRawHeaders(raw)["proxy-authorization"]).toBeUndefined();
  });

  it("a `__proto__` header is an ordinary header in the snapshot", () => {
    const snap = snapshotRawHeaders(["__proto__", "a", "__proto__", "b", "Host", "x"]);
    expect(Object.getPrototypeOf(snap)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(snap, "__proto__")?.value).toEqual(["a", "b"]);
    expect(snap.host).toBe("x");
  });
});
