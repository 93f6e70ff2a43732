import { actionSchema, type ConnectorConfig, type RequestSnapshot } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInConnectors, createConnectorRegistry } from "./registry.ts";
import type { ResolvedConnectorConfig } from "./types.ts";
import { joinSegments, normalizeHost, normalizePathSegments } from "./util/path.ts";
import { parseReceivePack } from "./vendors/github/git.ts";
import { parseGraphqlOperation } from "./vendors/graphql/parser.ts";

// Totality: no input makes a connector or the registry throw, and every action
// produced satisfies the contract schema.

const hosts = [
  "api.github.com",
  "github.com",
  "uploads.github.com",
  "ghe.example.com",
  "mcp.example.com",
  "gql.example.com",
  "api.example.com",
  "crm.example.com",
  "hooks.example.com",
  "api.openai.com",
  "api.anthropic.com",
  "api.stripe.com",
  "slack.com",
  "localhost",
];

const segment = fc.oneof(
  fc.constantFrom(
    "repos",
    "acme",
    "widgets",
    "pulls",
    "12",
    "merge",
    "git",
    "refs",
    "heads",
    "main",
    "contents",
    "graphql",
    "mcp",
    "v1",
    "api",
    "v3",
    "info",
    "git-receive-pack",
    "git-upload-pack",
    "orgs",
    "issues",
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "%",
    "%zz",
    "a%00b",
    "#",
    "\\",
    "",
    "chat",
    "completions",
    "charges",
    "chat.postMessage",
  ),
  fc.string({ maxLength: 8 }),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 8 }).map((s) => `/${s.join("/")}`),
  fc.string({ maxLength: 40 }),
);
const jsonRpc = fc.record({
  jsonrpc: fc.constant("2.0"),
  id: fc.nat(),
  method: fc.oneof(fc.constantFrom("tools/call", "tools/list", "initialize", "resources/read"), fc.string()),
  params: fc.oneof(fc.record({ name: fc.string(), arguments: fc.anything() }), fc.anything()),
});
const graphqlText = fc.oneof(
  fc.string(),
  fc
    .array(
      fc.constantFrom(
        "query",
        "mutation",
        "subscription",
        "fragment",
        "on",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ":",
        "$",
        "x",
        "...",
        "@",
        '"s"',
        '"""b"""',
        "#c\n",
        "1",
        "-2.5e3",
        ",",
      ),
      { maxLength: 40 },
    )
    .map((t) => t.join(" ")),
);
const bodyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json(),
  jsonRpc.map((m) => JSON.stringify(m)),
  fc.array(jsonRpc, { maxLength: 3 }).map((m) => JSON.stringify(m)),
  graphqlText.map((q) => JSON.stringify({ query: q, variables: { a: 1 } })),
  fc
    .dictionary(fc.constantFrom("state", "sha", "ref", "model", "amount", "channel"), fc.anything())
    .map((d) => JSON.stringify(d)),
  fc.string().map((s) => `0064${s}0000PACK`),
);
const snapshot: fc.Arbitrary<RequestSnapshot> = fc.record(
  {
    method: fc.oneof(
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get"),
      fc.string(),
    ),
    scheme: fc.constantFrom("http", "https", "ws", "wss"),
    host: fc.oneof(
      fc.constantFrom(...hosts),
      fc.constantFrom(...hosts).map((h) => `${h.toUpperCase()}.`),
      fc.string({ maxLength: 30 }),
      fc.webUrl().map((u) => new URL(u).host),
    ),
    port: fc.integer({ min: 0, max: 65535 }),
    path,
    query: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("service=git-receive-pack", "query=%7Ba%7D"),
    ),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "authorization", "content-encoding", "x-other"),
      fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })),
    ),
    contentType: fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "application/graphql",
      "text/plain",
      "",
    ),
    body: fc.record({ text: bodyText, truncated: fc.boolean() }),
    upgrade: fc.boolean(),
  },
  { requiredKeys: ["method", "scheme", "host", "port", "path", "query", "headers"] },
);

const configs: ConnectorConfig[] = [
  { type: "github" },
  { type: "github", name: "ghe", domains: ["ghe.example.com"], base_path: "/api/v3" },
  { type: "mcp", domains: ["mcp.example.com", "localhost"] },
  { type: "graphql", name: "gql", domains: ["gql.example.com"] },
  { type: "generic", domains: ["api.example.com", "*.example.org"] },
  { type: "webhook", domains: ["hooks.example.com"] },
  {
    type: "custom",
    name: "crm",
    domains: ["crm.example.com"],
    routes: [
      { method: "POST", path: "/v1/{id}/notes", action: "note.create", body_fields: ["text", "a.b"] },
      { method: "*", path: "/v1/files/*", action: "file.any" },
    ],
  },
  { type: "openai" },
  { type: "anthropic" },
  { type: "stripe" },
  { type: "slack" },
];
const created = createConnectorRegistry(configs);
if (!created.ok) throw new Error(JSON.stringify(created.errors));
const registry = created.registry;

function expectValidResult(result: unknown) {
  const r = result as { ok: boolean; actions?: unknown[] };
  if (r.ok) {
    expect(r.actions?.length).toBeGreaterThan(0);
    for (const action of r.actions ?? []) expect(actionSchema.safeParse(action).success).toBe(true);
  }
}

describe("totality", () => {
  it.each(registry.connectors.map((c) => [c.name, c] as const))(
    "%s: parse and needsBody never throw on arbitrary snapshots, and every action fits the contract",
    (_name, bound) => {
      const definition = builtInConnectors[bound.type];
      const config: ResolvedConnectorConfig = bound.config;
      fc.assert(
        fc.property(snapshot, (s) => {
          const { body: _body, ...head } = s;
          definition.needsBody(head, config);
          expectValidResult(definition.parse(s, config));
        }),
        { numRuns: 300 },
      );
    },
  );

  it("registry.match and the matched connector never throw on arbitrary snapshots", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const bound = registry.match(s);
        if (bound !== undefined) {
          bound.needsBody(s);
          bound.injectionFor(s);
          expectValidResult(bound.parse(s));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the GraphQL parser never throws on arbitrary documents", () => {
    fc.assert(
      fc.property(
        graphqlText,
        fc.option(fc.string(), { nil: undefined }),
        fc.object(),
        (q, name, variables) => {
          parseGraphqlOperation(q, name, variables);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("the receive-pack reader never throws on arbitrary bodies", () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (text, truncated) => {
        parseReceivePack(text, truncated);
        parseReceivePack(`0032${text}`, truncated);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("normalisation", () => {
  it("normalising an already normalised path changes nothing", () => {
    fc.assert(
      fc.property(path, (p) => {
        const segments = normalizePathSegments(p);
        if (segments !== undefined) expect(normalizePathSegments(joinSegments(segments))).toEqual(segments);
      }),
      { numRuns: 1000 },
    );
  });

  it("a normalised path never holds a dot segment or an empty one", () => {
    fc.assert(
      fc.property(path, (p) => {
        for (const s of normalizePathSegments(p) ?? []) expect([".", "..", ""]).not.toContain(s);
      }),
      { numRuns: 1000 },
    );
  });

  it("normalising a host twice is the same as once", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.domain(), fc.constantFrom(...hosts)), (h) => {
        const once = normalizeHost(h);
        expect(normalizeHost(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});
