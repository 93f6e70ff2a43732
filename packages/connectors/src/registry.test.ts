import { type ConnectorConfig, connectorTypes } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { builtInConnectors, createConnectorRegistry, dummyEnvFor, parseDomainEntry } from "./registry.ts";
import { snapshotOf } from "./testing/fixture-case.ts";
import type { RequestHead } from "./types.ts";

function registryOf(configs: ConnectorConfig[]) {
  const result = createConnectorRegistry(configs);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.registry;
}

function errorsOf(configs: ConnectorConfig[]) {
  const result = createConnectorRegistry(configs);
  return result.ok ? [] : result.errors;
}

function head(method: string, url: string, extra: Partial<RequestHead> = {}): RequestHead {
  const { body: _body, ...rest } = snapshotOf({ method, url });
  return { ...rest, ...extra };
}

describe("builtInConnectors", () => {
  it("has one definition per connector type, each declaring its own type", () => {
    expect(Object.keys(builtInConnectors).sort()).toEqual([...connectorTypes].sort());
    for (const [type, definition] of Object.entries(builtInConnectors)) expect(definition.type).toBe(type);
  });
});

describe("createConnectorRegistry validation", () => {
  it("rejects a duplicated name at the second connector's name", () => {
    expect(
      errorsOf([
        { type: "generic", name: "internal", domains: ["a.example.com"] },
        { type: "generic", name: "internal", domains: ["b.example.com"] },
      ]),
    ).toEqual([
      { path: "connectors[1].name", message: expect.stringContaining("already used by `connectors[0]`") },
    ]);
  });

  it("rejects a duplicated default name (two github connectors without names)", () => {
    expect(errorsOf([{ type: "github" }, { type: "github" }]).map((e) => e.path)).toEqual([
      "connectors[1].name",
    ]);
  });

  it.each(["generic", "custom", "mcp", "graphql", "webhook"] as const)(
    "a %s connector without domains is an error at its domains path",
    (type) => {
      expect(errorsOf([{ type: "github" }, { type }])).toEqual([
        {
          path: "connectors[1].domains",
          message: `connector \`${type}\` of type \`${type}\` needs \`domains\``,
        },
      ]);
      expect(errorsOf([{ type, domains: [] }]).map((e) => e.path)).toEqual(["connectors[0].domains"]);
    },
  );

  it("built-in vendor connectors need no domains", () => {
    for (const type of ["github", "openai", "anthropic", "stripe", "slack"] as const) {
      expect(errorsOf([{ type }])).toEqual([]);
    }
  });

  it.each([
    ["https://api.example.com", "not a URL"],
    ["api.example.com/v1", "not a URL"],
    ["*", "whole first label"],
    ["a*.example.com", "only allowed as a whole first label"],
    ["*.com", "at least two labels"],
    ["localhost:99999", "invalid port"],
    ["localhost:", "invalid port"],
    ["", "cannot be empty"],
    ["bad host.example", "valid host"],
  ])("rejects the domain `%s` at its index", (domain, message) => {
    expect(errorsOf([{ type: "generic", domains: ["ok.example.com", domain] }])).toEqual([
      { path: "connectors[0].domains[1]", message: expect.stringContaining(message) },
    ]);
  });

  it("rejects a host taken whole by two connectors, naming the first", () => {
    expect(
      errorsOf([
        { type: "generic", name: "a", domains: ["API.example.com."] },
        { type: "webhook", name: "b", domains: ["api.example.com"] },
      ]),
    ).toEqual([{ path: "connectors[1].domains[0]", message: expect.stringContaining("connector `a`") }]);
  });

  it("rejects a generic connector on a built-in's default domain", () => {
    expect(
      errorsOf([{ type: "github" }, { type: "generic", domains: ["api.github.com"] }]).map((e) => e.path),
    ).toEqual(["connectors[1].domains[0]"]);
  });

  it("rejects two connectors on one host and endpoint, but not on different endpoints", () => {
    expect(
      errorsOf([
        { type: "mcp", name: "a", domains: ["x.example.com"] },
        { type: "graphql", name: "b", domains: ["x.example.com"], endpoints: ["/mcp"] },
      ]).map((e) => e.path),
    ).toEqual(["connectors[1].domains[0]"]);
    expect(
      errorsOf([
        { type: "mcp", name: "a", domains: ["x.example.com"] },
        { type: "graphql", name: "b", domains: ["x.example.com"] },
        { type: "generic", name: "c", domains: ["x.example.com"] },
      ]),
    ).toEqual([]);
  });

  it("rejects options a type does not read, each at its own path", () => {
    expect(
      errorsOf([
        {
          type: "generic",
          domains: ["a.example.com"],
          base_path: "/api",
          endpoints: ["/x"],
          action_prefix: "p",
        },
        { type: "mcp", name: "m", domains: ["b.example.com"], routes: [] },
      ]).map((e) => e.path),
    ).toEqual([
      "connectors[0].base_path",
      "connectors[0].endpoints",
      "connectors[0].action_prefix",
      "connectors[1].routes",
    ]);
  });

  it("rejects base paths and endpoints that are not plain paths", () => {
    expect(
      errorsOf([
        { type: "github", domains: ["ghe.example.com"], base_path: "/api/../v3" },
        { type: "mcp", domains: ["m.example.com"], endpoints: ["/mcp?x=1"] },
      ]).map((e) => e.path),
    ).toEqual(["connectors[0].base_path", "connectors[1].endpoints[0]"]);
  });

  it("reports bad custom routes with their document paths", () => {
    expect(
      errorsOf([
        {
          type: "custom",
          domains: ["c.example.com"],
          action_prefix: "bad prefix",
          routes: [
            { method: "GET", path: "/a/{rest*}/b", action: "a.get" },
            { method: "GE T", path: "/b", action: "b.get" },
            { method: "GET", path: "/c/{id}/{id}", action: "c.*" },
            { method: "POST", path: "/d/x{id}", action: "d.post" },
          ],
        },
      ]).map((e) => e.path),
    ).toEqual([
      "connectors[0].action_prefix",
      "connectors[0].routes[0].path",
      "connectors[0].routes[1].method",
      "connectors[0].routes[2].path",
      "connectors[0].routes[2].action",
      "connectors[0].routes[3].path",
    ]);
  });

  it("rejects names that cannot be part of an action, and unknown types", () => {
    expect(
      errorsOf([
        { type: "generic", name: "my.api", domains: ["a.example.com"] },
        { type: "ftp" as "generic", domains: ["b.example.com"] },
      ]),
    ).toEqual([
      { path: "connectors[0].name", message: expect.stringContaining("may only hold") },
      { path: "connectors[1].type", message: "unknown connector type `ftp`" },
    ]);
  });

  it("reports every problem of every connector at once", () => {
    expect(
      errorsOf([{ type: "generic" }, { type: "webhook" }, { type: "mcp", domains: ["*"] }]),
    ).toHaveLength(3);
  });
});

describe("registry.match", () => {
  const registry = registryOf([
    { type: "github" },
    { type: "generic", name: "on-8080", domains: ["localhost:8080"] },
    { type: "generic", name: "any-port", domains: ["localhost", "[::1]"] },
    { type: "generic", name: "web", domains: ["github.com"] },
    { type: "mcp", domains: ["tools.example.com"] },
    { type: "generic", name: "tools-rest", domains: ["tools.example.com"] },
    { type: "github", name: "ghe", domains: ["ghe.example.com"], base_path: "/api/v3" },
    { type: "generic", name: "ghe-web", domains: ["ghe.example.com"] },
    { type: "generic", name: "wild", domains: ["*.example.org"] },
    { type: "generic", name: "wild-eu", domains: ["*.eu.example.org:8443"] },
  ]);
  const nameOf = (h: RequestHead) => registry.match(h)?.name;

  it("prefers the entry with the request's port, then the one without", () => {
    expect(nameOf(head("GET", "http://localhost:8080/x"))).toBe("on-8080");
    expect(nameOf(head("GET", "http://localhost:9090/x"))).toBe("any-port");
    expect(nameOf(head("GET", "http://[::1]:9090/x"))).toBe("any-port");
  });

  it("takes the port from the host when the head has none, else the scheme's default", () => {
    expect(nameOf(head("GET", "http://localhost/x", { host: "localhost:8080", port: 0 }))).toBe("on-8080");
    expect(nameOf(head("GET", "http://localhost/x", { port: 0 }))).toBe("any-port");
  });

  it("gives git smart-HTTP on github.com to github and the rest of the host to a generic connector", () => {
    expect(nameOf(head("POST", "https://github.com/a/b.git/git-receive-pack"))).toBe("github");
    expect(nameOf(head("GET", "https://github.com/a/b/pulls"))).toBe("web");
  });

  it("gives an MCP endpoint to the mcp connector and other paths of its host to the generic one", () => {
    expect(nameOf(head("POST", "https://tools.example.com/mcp"))).toBe("mcp");
    expect(nameOf(head("POST", "https://tools.example.com/MCP/"))).toBe("mcp");
    expect(nameOf(head("GET", "https://tools.example.com/health"))).toBe("tools-rest");
  });

  it("gives an Enterprise base path to github and the rest of the host to a generic connector", () => {
    expect(nameOf(head("GET", "https://ghe.example.com/api/v3/user"))).toBe("ghe");
    expect(nameOf(head("POST", "https://ghe.example.com/api/graphql"))).toBe("ghe");
    expect(nameOf(head("GET", "https://ghe.example.com/a/b/info/refs?service=git-upload-pack"))).toBe("ghe");
    expect(nameOf(head("GET", "https://ghe.example.com/a/b"))).toBe("ghe-web");
  });

  it("matches wildcards by the longest suffix, honouring a port on the entry", () => {
    expect(nameOf(head("GET", "https://a.eu.example.org:8443/"))).toBe("wild-eu");
    expect(nameOf(head("GET", "https://a.eu.example.org/"))).toBe("wild");
    expect(nameOf(head("GET", "https://example.org/"))).toBeUndefined();
  });

  it("matches nothing for an empty or invalid host", () => {
    expect(nameOf(head("GET", "https://x/", { host: "" }))).toBeUndefined();
    expect(nameOf(head("GET", "https://x/", { host: "a b" }))).toBeUndefined();
  });

  it("finds connectors by name and lists them in config order", () => {
    expect(registry.get("ghe")?.config.base_path).toBe("/api/v3");
    expect(registry.get("nope")).toBeUndefined();
    expect(registry.connectors.map((c) => c.name).slice(0, 3)).toEqual(["github", "on-8080", "any-port"]);
  });
});

describe("bound connectors", () => {
  const registry = registryOf([
    { type: "github", credential: { env: "GITHUB_TOKEN" } },
    {
      type: "generic",
      name: "internal",
      domains: ["api.example.com"],
      credential: { env: "EXAMPLE_KEY", header: "X-Api-Key", format: "Key {secret}" },
    },
    { type: "openai" },
  ]);
  const github = registry.get("github")!;

  it("resolve defaults: github owns its default domains under its type name", () => {
    expect(github.config.domains).toEqual(["api.github.com", "uploads.github.com", "github.com"]);
    expect(github.name).toBe("github");
  });

  it("inject GitHub's API credential as a bearer token, stripping authorization", () => {
    expect(github.injection).toEqual({
      header: "authorization",
      format: "Bearer {secret}",
      strip: ["authorization"],
    });
    expect(github.injectionFor(head("GET", "https://api.github.com/user"))).toEqual(github.injection);
  });

  it("inject Basic x-access-token auth for git smart-HTTP", () => {
    expect(
      github.injectionFor(head("GET", "https://github.com/a/b.git/info/refs?service=git-upload-pack")),
    ).toEqual({
      header: "authorization",
      format: "Basic {basic:x-access-token}",
      strip: ["authorization"],
    });
  });

  it("apply the config's header and format, stripping both the default and the new header", () => {
    expect(registry.get("internal")?.injection).toEqual({
      header: "x-api-key",
      format: "Key {secret}",
      strip: ["authorization", "x-api-key"],
    });
  });

  it("ask for the body only where the action depends on it", () => {
    expect(github.needsBody(head("PATCH", "https://api.github.com/repos/a/b/pulls/1"))).toBe(true);
    expect(github.needsBody(head("GET", "https://api.github.com/repos/a/b/pulls/1"))).toBe(false);
    expect(
      github.needsBody(head("PATCH", "https://api.github.com/repos/a/b/pulls/1", { upgrade: true })),
    ).toBe(false);
  });

  it("turn a WebSocket upgrade to any connector into <type>.websocket.connect", () => {
    const snapshot = {
      ...snapshotOf({ method: "GET", url: "wss://api.openai.com/v1/realtime?model=gpt" }),
      upgrade: true,
    };
    const result = registry.get("openai")?.parse(snapshot);
    expect(result).toEqual({
      ok: true,
      actions: [
        {
          type: "openai.websocket.connect",
          connector: "openai",
          resource: "api.openai.com/v1/realtime",
          parameters: { path: "/v1/realtime", query: { model: "gpt" } },
          risk: "medium",
          read: false,
        },
      ],
    });
  });
});

describe("parseDomainEntry", () => {
  it.each([
    ["api.example.com", { host: "api.example.com", port: undefined, wildcard: false }],
    ["API.Example.com.", { host: "api.example.com", port: undefined, wildcard: false }],
    ["localhost:8080", { host: "localhost", port: 8080, wildcard: false }],
    ["*.example.com", { host: "example.com", port: undefined, wildcard: true }],
    ["*.example.com:8443", { host: "example.com", port: 8443, wildcard: true }],
    ["[::1]:9000", { host: "::1", port: 9000, wildcard: false }],
    ["bücher.example", { host: "xn--bcher-kva.example", port: undefined, wildcard: false }],
  ])("reads `%s`", (entry, expected) => {
    expect(parseDomainEntry(entry)).toEqual(expected);
  });
});

describe("dummyEnvFor", () => {
  const configs: ConnectorConfig[] = [
    { type: "github" },
    { type: "generic", name: "Internal-API", domains: ["a.example.com"], credential: { env: "EXAMPLE_KEY" } },
    { type: "github", name: "ghe", domains: ["ghe.example.com"], credential: { env: "GHE_TOKEN" } },
    { type: "stripe" },
  ];

  it("gives every built-in and configured variable a deterministic tf_dummy_<name> value", () => {
    const env = dummyEnvFor(configs);
    expect(env.GITHUB_TOKEN).toBe("tf_dummy_github");
    expect(env.GH_TOKEN).toBe("tf_dummy_github");
    expect(env.EXAMPLE_KEY).toBe("tf_dummy_internal_api");
    expect(env.GHE_TOKEN).toBe("tf_dummy_ghe");
    for (const name of builtInConnectors.stripe.dummyEnv) expect(env[name]).toBe("tf_dummy_stripe");
    expect(dummyEnvFor(configs)).toEqual(env);
  });

  it("lets the first connector that names a variable keep it", () => {
    expect(
      dummyEnvFor([
        { type: "github", name: "first" },
        { type: "github", name: "second" },
      ]).GITHUB_TOKEN,
    ).toBe("tf_dummy_first");
  });
});
