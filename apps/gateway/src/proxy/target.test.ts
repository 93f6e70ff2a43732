import { describe, expect, it } from "vitest";
import { isExcluded, parseAbsoluteForm, parseAuthority, splitPath } from "./target.ts";

describe("request targets", () => {
  const absolute = [
    {
      name: "an absolute-form URL keeps its raw path and query",
      input: "http://Example.com:8080/a/../b%2F?x=1&y",
      expected: { scheme: "http", host: "example.com", port: 8080, path: "/a/../b%2F", query: "x=1&y" },
    },
    {
      name: "the default port follows the scheme",
      input: "https://api.github.com/user",
      expected: { scheme: "https", host: "api.github.com", port: 443, path: "/user", query: "" },
    },
    {
      name: "ws URLs are http and user info is dropped",
      input: "ws://u:p@[::1]:9000",
      expected: { scheme: "http", host: "::1", port: 9000, path: "/", query: "" },
    },
    { name: "an origin-form target is not absolute", input: "/just/a/path", expected: undefined },
    { name: "a port out of range is rejected", input: "http://a.test:70000/", expected: undefined },
  ];
  for (const c of absolute) it(c.name, () => expect(parseAbsoluteForm(c.input)).toEqual(c.expected));

  const authorities = [
    { name: "host:port", input: "api.github.com:443", expected: { host: "api.github.com", port: 443 } },
    { name: "bracketed IPv6", input: "[2001:db8::1]:8443", expected: { host: "2001:db8::1", port: 8443 } },
    { name: "a CONNECT without a port is rejected", input: "api.github.com", expected: undefined },
    { name: "garbage is rejected", input: "a b:80", expected: undefined },
  ];
  for (const c of authorities)
    it(`authority: ${c.name}`, () => expect(parseAuthority(c.input, undefined)).toEqual(c.expected));

  it("a fragment never reaches the upstream", () => {
    expect(splitPath("/a?b=1#frag")).toEqual({ path: "/a", query: "b=1" });
  });

  const exclusions = [
    {
      name: "an exact domain and its subdomains",
      host: "x.telemetry.example.com",
      patterns: ["telemetry.example.com"],
      expected: true,
    },
    {
      name: "a leading dot",
      host: "telemetry.example.com",
      patterns: [".telemetry.example.com"],
      expected: true,
    },
    {
      name: "a wildcard covers only subdomains",
      host: "example.com",
      patterns: ["*.example.com"],
      expected: false,
    },
    {
      name: "a look-alike domain is not excluded",
      host: "evilexample.com",
      patterns: ["example.com"],
      expected: false,
    },
    {
      name: "trailing dots and case are ignored",
      host: "Example.COM.",
      patterns: ["example.com"],
      expected: true,
    },
  ];
  for (const c of exclusions)
    it(`exclude_domains: ${c.name}`, () => expect(isExcluded(c.host, c.patterns)).toBe(c.expected));
});
