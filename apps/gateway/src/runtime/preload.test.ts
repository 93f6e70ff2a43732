import { describe, expect, it } from "vitest";
// @ts-expect-error the preload is plain JavaScript (it runs in whatever Node the agent uses)
import { noProxyMatcher, proxyFor } from "./preload.mjs";

describe("preload noProxyMatcher", () => {
  it.each([
    { name: "empty matches nothing", value: "", host: "api.github.com", port: 443, expected: false },
    { name: "star matches everything", value: "*", host: "api.github.com", port: 443, expected: true },
    { name: "exact host", value: "localhost", host: "localhost", port: 80, expected: true },
    { name: "suffix with dot", value: ".corp", host: "a.b.corp", port: 443, expected: true },
    {
      name: "domain covers subdomains",
      value: "example.com",
      host: "api.example.com",
      port: 443,
      expected: true,
    },
    {
      name: "no partial label match",
      value: "example.com",
      host: "badexample.com",
      port: 443,
      expected: false,
    },
    {
      name: "host:port only on that port",
      value: "internal:8080",
      host: "internal",
      port: 80,
      expected: false,
    },
    { name: "host:port on its port", value: "internal:8080", host: "internal", port: 8080, expected: true },
    { name: "ipv6 literal", value: "::1", host: "[::1]", port: 443, expected: true },
  ])("$name", ({ value, host, port, expected }) => {
    expect(noProxyMatcher(value)(host, port)).toBe(expected);
  });
});

describe("preload proxyFor", () => {
  it("picks the scheme's proxy, lower-case first", () => {
    const env = {
      https_proxy: "http://a:b@127.0.0.1:1",
      HTTPS_PROXY: "http://x@127.0.0.1:2",
      HTTP_PROXY: "http://127.0.0.1:3",
    };
    expect(proxyFor(env, "https")?.port).toBe("1");
    expect(proxyFor(env, "http")?.port).toBe("3");
  });

  it("ignores proxies it cannot speak to rather than misrouting", () => {
    expect(proxyFor({ HTTPS_PROXY: "socks5://127.0.0.1:1080" }, "https")).toBeUndefined();
    expect(proxyFor({}, "https")).toBeUndefined();
  });
});
