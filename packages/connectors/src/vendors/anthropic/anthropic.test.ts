import { actionSchema, type ParseResult, parseErrorCodes, requestSnapshotSchema } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import { anthropicGenerationFields, anthropicRoutes } from "./anthropic-routes.ts";
import admin from "./fixtures/admin.json" with { type: "json" };
import batches from "./fixtures/batches.json" with { type: "json" };
import files from "./fixtures/files.json" with { type: "json" };
import hostile from "./fixtures/hostile.json" with { type: "json" };
import messages from "./fixtures/messages.json" with { type: "json" };
import unknown from "./fixtures/unknown.json" with { type: "json" };
import { anthropicConnector } from "./index.ts";

const connector = anthropicConnector;
const config: ResolvedConnectorConfig = {
  type: "anthropic",
  name: "anthropic",
  domains: [...connector.defaultDomains],
};

const fixtureFiles = { messages, batches, files, admin, unknown, hostile };

/** Fixtures are parsed at the boundary like any input: a malformed golden file fails loudly. */
function loadFixtures() {
  return Object.entries(fixtureFiles).flatMap(([file, cases]) =>
    (cases as unknown[]).map((raw) => {
      const c = raw as { name: string; request: unknown; expected: unknown };
      const request = requestSnapshotSchema.parse(c.request);
      const expected = Array.isArray(c.expected)
        ? { ok: true as const, actions: actionSchema.array().min(1).parse(c.expected) }
        : (c.expected as { ok: false; code: (typeof parseErrorCodes)[number] });
      if (!expected.ok && !parseErrorCodes.includes(expected.code)) {
        throw new Error(`fixture \`${c.name}\`: unknown error code \`${expected.code}\``);
      }
      return { file, name: c.name, request, expected };
    }),
  );
}

const fixtures = loadFixtures();

function expectMatches(actual: ParseResult, expected: (typeof fixtures)[number]["expected"]) {
  if (expected.ok) {
    expect(actual).toEqual(expected);
  } else {
    expect(actual).toMatchObject({ ok: false, code: expected.code });
    expect(actual.ok === false && actual.message.length > 0).toBe(true);
  }
}

const head = (method: string, path: string, contentType?: string): RequestHead => ({
  method,
  scheme: "https",
  host: "api.anthropic.com",
  port: 443,
  path,
  query: "",
  headers: contentType === undefined ? {} : { "content-type": contentType },
});

describe("anthropic connector: golden fixtures", () => {
  it.each(fixtures.map((f) => [`${f.file}: ${f.name}`, f] as const))("%s", (_, f) => {
    expectMatches(connector.parse(f.request, config), f.expected);
  });

  it("every action of the route table has a golden fixture", () => {
    const covered = new Set(
      fixtures.flatMap((f) => (f.expected.ok ? f.expected.actions.map((a) => a.type) : [])),
    );
    const missing = [...new Set(anthropicRoutes.map((r) => r.action))].filter((a) => !covered.has(a));
    expect(missing).toEqual([]);
  });

  it("the catalog covers messages, token counting, models, batches and files", () => {
    const types = new Set(anthropicRoutes.map((r) => r.action));
    for (const type of [
      "anthropic.message.create",
      "anthropic.message.count_tokens",
      "anthropic.model.list",
      "anthropic.model.get",
      "anthropic.message_batch.create",
      "anthropic.message_batch.list",
      "anthropic.message_batch.get",
      "anthropic.message_batch.cancel",
      "anthropic.message_batch.delete",
      "anthropic.message_batch.results",
      "anthropic.file.upload",
      "anthropic.file.list",
      "anthropic.file.get",
      "anthropic.file.delete",
      "anthropic.file.content",
    ]) {
      expect(types).toContain(type);
    }
  });

  it("fixture names are unique, so a failure points at one case", () => {
    const names = fixtures.map((f) => `${f.file}: ${f.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("anthropic connector: definition", () => {
  it("injects the key as x-api-key and strips both the agent's x-api-key and authorization", () => {
    expect(connector.injection).toEqual({
      header: "x-api-key",
      format: "{secret}",
      strip: ["x-api-key", "authorization"],
    });
    expect(connector.dummyEnv).toEqual(["ANTHROPIC_API_KEY"]);
    expect(connector.defaultDomains).toEqual(["api.anthropic.com"]);
  });

  it("needs the body for JSON writes that carry model or max_tokens, never for uploads or reads", () => {
    expect(connector.needsBody(head("POST", "/v1/messages", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/messages/count_tokens"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/messages/batches", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/files", "multipart/form-data; boundary=b"), config)).toBe(
      false,
    );
    expect(connector.needsBody(head("GET", "/v1/models"), config)).toBe(false);
    expect(connector.needsBody(head("DELETE", "/v1/files/file_1"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/v1/messages/batches/msgbatch_1/cancel"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/v1/skills", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/skills", "multipart/form-data"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/v1/%zz"), config)).toBe(false);
  });

  it("a base path in the config is stripped before matching", () => {
    const result = connector.parse(
      {
        ...head("POST", "/anthropic/v1/messages"),
        body: { text: '{"model":"claude-opus-4-1"}', truncated: false },
      },
      { ...config, base_path: "/anthropic" },
    );
    expect(result.ok && result.actions[0].type).toBe("anthropic.message.create");
  });
});

describe("anthropic connector: hostile bodies", () => {
  it("a 1 MiB message body is parsed and keeps the model at its end", () => {
    const text = JSON.stringify({
      messages: [{ role: "user", content: "x".repeat(1024 * 1024) }],
      model: "claude",
    });
    const result = connector.parse(
      { ...head("POST", "/v1/messages"), body: { text, truncated: false } },
      config,
    );
    expect(result.ok && result.actions[0].parameters).toEqual({ model: "claude" });
  });

  it("a deeply nested body is a bad body or an action, never an exception", () => {
    const text = `{"model":"claude","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const result = connector.parse(
      { ...head("POST", "/v1/messages"), body: { text, truncated: false } },
      config,
    );
    expect(result.ok ? result.actions[0].parameters.model : result.code).toMatch(/^(claude|bad_body)$/);
  });

  it("message content never reaches the action", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const secret = `S3CR3T:${text}`;
        const body = JSON.stringify({
          model: "claude",
          system: secret,
          messages: [{ role: "user", content: secret }],
          metadata: { user_id: secret },
        });
        const result = connector.parse(
          { ...head("POST", "/v1/messages"), body: { text: body, truncated: false } },
          config,
        );
        expect(JSON.stringify(result)).not.toContain("S3CR3T");
      }),
      { numRuns: 200 },
    );
  });
});

// ---- property tests ----------------------------------------------------------

const vocabulary = [
  ...new Set(anthropicRoutes.flatMap((r) => r.path.split("/").filter((s) => s !== "" && !s.startsWith("{")))),
];
const segmentArb = fc.oneof(
  fc.constantFrom(...vocabulary),
  fc.constantFrom(
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "%",
    "%zz",
    "%00",
    "file_1",
    "V1",
    "MESSAGES",
    "",
    "#",
    "?",
    "\\",
  ),
  fc.string({ maxLength: 6 }),
);
const pathArb = fc.array(segmentArb, { maxLength: 8 }).map((segs) => `/${segs.join("/")}`);
const jsonBodyArb = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom(...anthropicGenerationFields, "tools", "messages", "requests", "__proto__"),
      fc.string({ maxLength: 5 }),
    ),
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.array(fc.record({ type: fc.oneof(fc.string(), fc.integer()) }), { maxLength: 4 }),
    ),
    { maxKeys: 6 },
  )
  .map((o) => JSON.stringify(o));
const headerValueArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
);
const snapshotArb = fc.record(
  {
    method: fc.oneof(
      fc.constantFrom("GET", "POST", "DELETE", "HEAD", "OPTIONS", "PUT"),
      fc.string({ minLength: 1 }),
    ),
    scheme: fc.constantFrom("http" as const, "https" as const),
    host: fc.oneof(fc.constantFrom("api.anthropic.com", "API.ANTHROPIC.COM."), fc.string()),
    port: fc.integer({ min: 0, max: 65535 }),
    path: fc.oneof(pathArb, fc.string({ unit: "binary" })),
    query: fc.oneof(
      fc.constant(""),
      fc.constantFrom("model=a&model=b", "model=%zz", "purpose="),
      fc.string(),
    ),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "authorization", "x-api-key", "x-other"),
      fc.oneof(fc.constantFrom("application/json", "multipart/form-data", "text/plain"), headerValueArb),
    ),
    contentType: fc.constantFrom("application/json", "multipart/form-data; boundary=b", "text/plain"),
    body: fc.record({
      text: fc.oneof(jsonBodyArb, fc.json(), fc.string({ unit: "binary" })),
      truncated: fc.boolean(),
    }),
  },
  { requiredKeys: ["method", "scheme", "host", "port", "path", "query", "headers"] },
);

describe("anthropic connector: properties", () => {
  it("parse and needsBody never throw, and every action satisfies the contract", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const result = connector.parse(snapshot, config);
        connector.needsBody(snapshot, config);
        if (result.ok) {
          for (const action of result.actions) actionSchema.parse(action);
        } else {
          expect(parseErrorCodes).toContain(result.code);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("inserting `.` or `x/..` segments never changes the action", () => {
    const golden = fixtures.filter((f) => f.expected.ok && f.file !== "hostile" && f.request.path.length > 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: golden.length - 1 }),
        fc.nat(),
        fc.constantFrom("/.", "/zz/..", "/%2e", "/a%2F..", "/x/./.."),
        (index, at, noise) => {
          const f = golden[index] as (typeof golden)[number];
          const slashes = [...f.request.path.matchAll(/\//g)].map((m) => m.index);
          const cut = slashes[at % slashes.length] ?? 0;
          const path = `${f.request.path.slice(0, cut)}${noise}${f.request.path.slice(cut)}`;
          expect(connector.parse({ ...f.request, path }, config)).toEqual(f.expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
