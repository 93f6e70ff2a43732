import { actionSchema, type ParseResult, parseErrorCodes, requestSnapshotSchema } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import assistants from "./fixtures/assistants.json" with { type: "json" };
import hostile from "./fixtures/hostile.json" with { type: "json" };
import inference from "./fixtures/inference.json" with { type: "json" };
import jobs from "./fixtures/jobs.json" with { type: "json" };
import storage from "./fixtures/storage.json" with { type: "json" };
import unknown from "./fixtures/unknown.json" with { type: "json" };
import { openaiConnector } from "./index.ts";
import { openaiGenerationFields, openaiRoutes } from "./openai-routes.ts";

const connector = openaiConnector;
const config: ResolvedConnectorConfig = {
  type: "openai",
  name: "openai",
  domains: [...connector.defaultDomains],
};

const fixtureFiles = { inference, storage, jobs, assistants, unknown, hostile };

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
  host: "api.openai.com",
  port: 443,
  path,
  query: "",
  headers: contentType === undefined ? {} : { "content-type": contentType },
});

describe("openai connector: golden fixtures", () => {
  it.each(fixtures.map((f) => [`${f.file}: ${f.name}`, f] as const))("%s", (_, f) => {
    expectMatches(connector.parse(f.request, config), f.expected);
  });

  it("every action of the route table has a golden fixture", () => {
    const covered = new Set(
      fixtures.flatMap((f) => (f.expected.ok ? f.expected.actions.map((a) => a.type) : [])),
    );
    const missing = [...new Set(openaiRoutes.map((r) => r.action))].filter((a) => !covered.has(a));
    expect(missing).toEqual([]);
  });

  it("the catalog has at least 24 distinct actions", () => {
    expect(new Set(openaiRoutes.map((r) => r.action)).size).toBeGreaterThanOrEqual(24);
  });

  it("fixture names are unique, so a failure points at one case", () => {
    const names = fixtures.map((f) => `${f.file}: ${f.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("openai connector: definition", () => {
  it("injects a bearer key and strips only the agent's authorization", () => {
    expect(connector.injection).toEqual({
      header: "authorization",
      format: "Bearer {secret}",
      strip: ["authorization"],
    });
    expect(connector.dummyEnv).toEqual(["OPENAI_API_KEY"]);
    expect(connector.defaultDomains).toEqual(["api.openai.com"]);
  });

  it("needs the body for JSON writes that carry model or stream, never for uploads or reads", () => {
    expect(connector.needsBody(head("POST", "/v1/chat/completions", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/responses"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/files", "multipart/form-data; boundary=b"), config)).toBe(
      false,
    );
    expect(connector.needsBody(head("POST", "/v1/audio/transcriptions", "multipart/form-data"), config)).toBe(
      false,
    );
    expect(connector.needsBody(head("GET", "/v1/models"), config)).toBe(false);
    expect(connector.needsBody(head("DELETE", "/v1/files/file-1"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/v1/evals", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/v1/evals", "application/octet-stream"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/v1/%zz"), config)).toBe(false);
  });

  it("a base path in the config is stripped before matching", () => {
    const result = connector.parse(
      {
        ...head("POST", "/openai/v1/chat/completions"),
        body: { text: '{"model":"gpt-4o"}', truncated: false },
      },
      { ...config, base_path: "/openai" },
    );
    expect(result.ok && result.actions[0].type).toBe("openai.chat.create");
  });
});

describe("openai connector: hostile bodies", () => {
  it("a 1 MiB chat body is parsed and keeps the model at its end", () => {
    const text = JSON.stringify({
      messages: [{ role: "user", content: "x".repeat(1024 * 1024) }],
      model: "gpt-4o",
    });
    const result = connector.parse(
      { ...head("POST", "/v1/chat/completions"), body: { text, truncated: false } },
      config,
    );
    expect(result.ok && result.actions[0].parameters).toEqual({ model: "gpt-4o" });
  });

  it("a deeply nested body is a bad body or an action, never an exception", () => {
    const text = `{"model":"gpt-4o","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const result = connector.parse(
      { ...head("POST", "/v1/chat/completions"), body: { text, truncated: false } },
      config,
    );
    expect(result.ok ? result.actions[0].parameters.model : result.code).toMatch(/^(gpt-4o|bad_body)$/);
  });

  it("message content never reaches the action", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const secret = `S3CR3T:${text}`;
        const body = JSON.stringify({
          model: "gpt-4o",
          messages: [{ role: "user", content: secret }],
          user: secret,
        });
        const result = connector.parse(
          { ...head("POST", "/v1/chat/completions"), body: { text: body, truncated: false } },
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
  ...new Set(openaiRoutes.flatMap((r) => r.path.split("/").filter((s) => s !== "" && !s.startsWith("{")))),
];
const segmentArb = fc.oneof(
  fc.constantFrom(...vocabulary),
  fc.constantFrom("..", ".", "%2e%2e", "%2F", "%", "%zz", "%00", "file-1", "V1", "CHAT", "", "#", "?", "\\"),
  fc.string({ maxLength: 6 }),
);
const pathArb = fc.array(segmentArb, { maxLength: 8 }).map((segs) => `/${segs.join("/")}`);
const jsonBodyArb = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom(...openaiGenerationFields, "tools", "messages", "__proto__"),
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
    host: fc.oneof(fc.constantFrom("api.openai.com", "API.OPENAI.COM."), fc.string()),
    port: fc.integer({ min: 0, max: 65535 }),
    path: fc.oneof(pathArb, fc.string({ unit: "binary" })),
    query: fc.oneof(
      fc.constant(""),
      fc.constantFrom("model=a&model=b", "model=%zz", "purpose="),
      fc.string(),
    ),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "authorization", "openai-organization", "x-other"),
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

describe("openai connector: properties", () => {
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
