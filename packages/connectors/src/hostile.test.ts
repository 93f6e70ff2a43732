import type { ConnectorConfig, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { createConnectorRegistry } from "./registry.ts";
import { snapshotOf } from "./testing/fixture-case.ts";
import { clampLimits } from "./util/body.ts";
import { maxRefUpdates } from "./vendors/github/git.ts";
import { maxGraphqlBatch } from "./vendors/graphql/request.ts";
import { maxMcpBatch } from "./vendors/mcp/index.ts";

// Hostile inputs too large or too generated for a JSON fixture.

const configs: ConnectorConfig[] = [
  { type: "github" },
  { type: "mcp", domains: ["mcp.example.com"] },
  { type: "graphql", name: "gql", domains: ["gql.example.com"] },
  { type: "generic", domains: ["api.example.com"] },
];
const created = createConnectorRegistry(configs);
if (!created.ok) throw new Error(JSON.stringify(created.errors));
const registry = created.registry;

function parse(snapshot: RequestSnapshot): ParseResult {
  const bound = registry.match(snapshot);
  if (bound === undefined) throw new Error(`no connector for ${snapshot.host}`);
  return bound.parse(snapshot);
}

function types(result: ParseResult): string[] | string {
  return result.ok ? result.actions.map((a) => a.type) : result.code;
}

const MB = 1024 * 1024;

describe("huge bodies", () => {
  it("a 1 MB pull request body whose state comes last still closes", () => {
    const text = JSON.stringify({ body: "x".repeat(MB), state: "closed" });
    const snapshot = snapshotOf({
      method: "PATCH",
      url: "https://api.github.com/repos/a/b/pulls/1",
      body: text,
    });
    expect(types(parse(snapshot))).toEqual(["github.pr.close"]);
  });

  it("a 1 MB tool argument is carried clamped, never whole", () => {
    const text = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "write_file", arguments: { content: "y".repeat(MB) } },
    });
    const result = parse(snapshotOf({ method: "POST", url: "https://mcp.example.com/mcp", body: text }));
    expect(result.ok && result.actions[0].parameters.content).toBe(
      `${"y".repeat(clampLimits.stringLength)}[truncated]`,
    );
  });

  it("a JSON body nested 100,000 levels deep is parsed and clamped, not a stack overflow", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const text = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"a":${deep}}}}`;
    const result = parse(snapshotOf({ method: "POST", url: "https://mcp.example.com/mcp", body: text }));
    expect(types(result)).toEqual(["mcp.tools.x"]);
    expect(JSON.stringify(result).length).toBeLessThan(1000);
  });

  it("a 1 MB GraphQL document of fields is parsed in linear time", () => {
    const query = `mutation { ${"a ".repeat(MB / 2)} deleteEverything }`;
    const started = performance.now();
    const result = parse(
      snapshotOf({ method: "POST", url: "https://gql.example.com/graphql", json: { query } }),
    );
    expect(types(result)).toEqual(["gql.graphql.mutation.a"]);
    expect(result.ok && result.actions[0].risk).toBe("high");
    // Generous bound: a quadratic parser would take minutes on this input.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("a path of 100,000 segments is normalised without blowing up", () => {
    const path = `/${"a/..%2f".repeat(50_000)}repos/o/r`;
    const result = parse(snapshotOf({ method: "DELETE", url: `https://api.github.com${path}` }));
    expect(types(result)).toEqual(["github.repo.delete"]);
  });
});

describe("oversized batches", () => {
  it(`an MCP batch of more than ${maxMcpBatch} messages is bad_body`, () => {
    const batch = Array.from({ length: maxMcpBatch + 1 }, (_, id) => ({
      jsonrpc: "2.0",
      id,
      method: "ping",
    }));
    expect(
      types(parse(snapshotOf({ method: "POST", url: "https://mcp.example.com/mcp", json: batch }))),
    ).toBe("bad_body");
  });

  it(`an MCP batch of ${maxMcpBatch} messages yields ${maxMcpBatch} actions`, () => {
    const batch = Array.from({ length: maxMcpBatch }, (_, id) => ({ jsonrpc: "2.0", id, method: "ping" }));
    const result = parse(snapshotOf({ method: "POST", url: "https://mcp.example.com/mcp", json: batch }));
    expect(result.ok && result.actions.length).toBe(maxMcpBatch);
  });

  it(`a GraphQL batch of more than ${maxGraphqlBatch} operations is bad_body`, () => {
    const batch = Array.from({ length: maxGraphqlBatch + 1 }, () => ({ query: "{ a }" }));
    expect(
      types(parse(snapshotOf({ method: "POST", url: "https://gql.example.com/graphql", json: batch }))),
    ).toBe("bad_body");
  });

  it(`a push updating more than ${maxRefUpdates} refs is bad_body`, () => {
    const line = (i: number) => {
      const payload = `${"1".repeat(40)} ${"2".repeat(40)} refs/heads/b${i}\n`;
      return (payload.length + 4).toString(16).padStart(4, "0") + payload;
    };
    const body = `${Array.from({ length: maxRefUpdates + 1 }, (_, i) => line(i)).join("")}0000`;
    const snapshot = snapshotOf({ method: "POST", url: "https://github.com/a/b.git/git-receive-pack", body });
    expect(types(parse(snapshot))).toBe("bad_body");
  });
});

describe("prototype pollution", () => {
  it("__proto__ keys in JSON, form and query input never reach Object.prototype", () => {
    const inputs = [
      snapshotOf({
        method: "POST",
        url: "https://mcp.example.com/mcp",
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"__proto__":{"polluted":1}}}}',
      }),
      snapshotOf({
        method: "POST",
        url: "https://gql.example.com/graphql",
        body: '{"query":"query($a: X) { f(x: {__proto__: 1}) { id } }","variables":{"__proto__":{"polluted":1}}}',
      }),
      snapshotOf({ method: "GET", url: "https://api.example.com/x?__proto__[polluted]=1&constructor=1" }),
      snapshotOf({
        method: "POST",
        url: "https://api.github.com/repos/a/b/issues",
        body: '{"__proto__":{"polluted":1},"title":{"__proto__":{"polluted":1}}}',
      }),
    ];
    for (const snapshot of inputs) {
      const result = parse(snapshot);
      expect(result.ok).toBe(true);
      JSON.stringify(result);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("tool arguments keep a __proto__ key as data", () => {
    const result = parse(
      snapshotOf({
        method: "POST",
        url: "https://mcp.example.com/mcp",
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"__proto__":{"admin":true},"a":1}}}',
      }),
    );
    expect(result.ok && JSON.stringify(result.actions[0].parameters)).toBe(
      '{"__proto__":{"admin":true},"a":1}',
    );
  });
});
