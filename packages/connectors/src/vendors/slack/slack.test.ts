import { actionSchema, type ParseResult, parseErrorCodes, requestSnapshotSchema } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import admin from "./fixtures/admin.json" with { type: "json" };
import channels from "./fixtures/channels.json" with { type: "json" };
import files from "./fixtures/files.json" with { type: "json" };
import hostile from "./fixtures/hostile.json" with { type: "json" };
import messages from "./fixtures/messages.json" with { type: "json" };
import reactions from "./fixtures/reactions.json" with { type: "json" };
import unknown from "./fixtures/unknown.json" with { type: "json" };
import users from "./fixtures/users.json" with { type: "json" };
import webhooks from "./fixtures/webhooks.json" with { type: "json" };
import workspace from "./fixtures/workspace.json" with { type: "json" };
import { slackConnector } from "./index.ts";
import { slackArgumentFields } from "./slack-connector.ts";
import { slackMethods } from "./slack-methods.ts";

const connector = slackConnector;
const config: ResolvedConnectorConfig = {
  type: "slack",
  name: "slack",
  domains: [...connector.defaultDomains],
};

const fixtureFiles = {
  messages,
  channels,
  files,
  users,
  reactions,
  workspace,
  admin,
  webhooks,
  unknown,
  hostile,
};
const catalog = [...new Set([...[...slackMethods.values()].map((m) => m.action), "slack.webhook.send"])];

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
  host: "slack.com",
  port: 443,
  path,
  query: "",
  headers: contentType === undefined ? {} : { "content-type": contentType },
});

describe("slack connector: golden fixtures", () => {
  it.each(fixtures.map((f) => [`${f.file}: ${f.name}`, f] as const))("%s", (_, f) => {
    expectMatches(connector.parse(f.request, config), f.expected);
  });

  it("every action of the route table has a golden fixture", () => {
    const covered = new Set(
      fixtures.flatMap((f) => (f.expected.ok ? f.expected.actions.map((a) => a.type) : [])),
    );
    const missing = catalog.filter((a) => !covered.has(a));
    expect(missing).toEqual([]);
    expect([...covered].some((a) => a.startsWith("slack.admin."))).toBe(true);
  });

  it("the catalog maps at least 35 Web API methods", () => {
    expect(slackMethods.size).toBeGreaterThanOrEqual(35);
  });

  it("fixture names are unique, so a failure points at one case", () => {
    const names = fixtures.map((f) => `${f.file}: ${f.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("slack connector: definition", () => {
  it("injects a bearer token and strips the agent's authorization", () => {
    expect(connector.injection).toEqual({
      header: "authorization",
      format: "Bearer {secret}",
      strip: ["authorization"],
    });
    expect(connector.dummyEnv).toEqual(["SLACK_BOT_TOKEN", "SLACK_TOKEN"]);
    expect(connector.defaultDomains).toEqual(["slack.com", "hooks.slack.com"]);
  });

  it("needs the body for Web API writes, never for reads, uploads or webhooks", () => {
    expect(connector.needsBody(head("POST", "/api/chat.postMessage", "application/json"), config)).toBe(true);
    expect(connector.needsBody(head("POST", "/api/calls.add"), config)).toBe(true);
    expect(
      connector.needsBody(head("POST", "/api/files.upload", "multipart/form-data; boundary=b"), config),
    ).toBe(false);
    expect(connector.needsBody(head("GET", "/api/conversations.history"), config)).toBe(false);
    expect(connector.needsBody({ ...head("POST", "/services/T/B/X"), host: "hooks.slack.com" }, config)).toBe(
      false,
    );
    expect(connector.needsBody(head("POST", "/intl/en-gb"), config)).toBe(false);
    expect(connector.needsBody(head("POST", "/api/%zz"), config)).toBe(false);
  });

  it("a base path in the config is stripped before matching", () => {
    const result = connector.parse(
      {
        ...head("POST", "/slack/api/chat.delete", "application/json"),
        body: { text: '{"channel":"C1"}', truncated: false },
      },
      { ...config, base_path: "/slack" },
    );
    expect(result.ok && result.actions[0].type).toBe("slack.message.delete");
  });
});

describe("slack connector: hostile bodies", () => {
  it("a 1 MiB form body is parsed and keeps the channel at its end", () => {
    const text = `text=${"x".repeat(1024 * 1024)}&channel=C1`;
    const result = connector.parse(
      {
        ...head("POST", "/api/chat.postMessage", "application/x-www-form-urlencoded"),
        body: { text, truncated: false },
      },
      config,
    );
    expect(result.ok && result.actions[0].parameters.channel).toBe("C1");
  });

  it("a deeply nested JSON body is a bad body or an action, never an exception", () => {
    const text = `{"channel":"C1","blocks":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const result = connector.parse(
      { ...head("POST", "/api/chat.postMessage", "application/json"), body: { text, truncated: false } },
      config,
    );
    expect(result.ok ? result.actions[0].parameters.channel : result.code).toMatch(/^(C1|bad_body)$/);
  });

  it("message content never reaches the action", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const secret = `S3CR3T:${text}`;
        const body = JSON.stringify({
          channel: "C1",
          text: secret,
          token: secret,
          blocks: [{ type: "section", text: { type: "mrkdwn", text: secret } }],
          topic: secret,
        });
        const result = connector.parse(
          {
            ...head("POST", "/api/chat.postMessage", "application/json"),
            body: { text: body, truncated: false },
          },
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
  "api",
  ...[...slackMethods.values()].map((m) => m.name),
  "admin.users.remove",
  "services",
  "workflows",
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
    "T1",
    "API",
    "CHAT.DELETE",
    "",
    "#",
    "?",
    "\\",
  ),
  fc.string({ maxLength: 6 }),
);
const pathArb = fc.array(segmentArb, { maxLength: 5 }).map((segs) => `/${segs.join("/")}`);
const argumentArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...slackArgumentFields, "channel_id", "text", "token", "__proto__"),
    fc.string({ maxLength: 5 }),
  ),
  fc.oneof(fc.constantFrom("C1", "true", "1", ""), fc.jsonValue({ maxDepth: 2 })),
  { maxKeys: 6 },
);
const jsonBodyArb = argumentArb.map((o) => JSON.stringify(o));
const formArb = fc
  .array(
    fc.tuple(fc.constantFrom(...slackArgumentFields, "channel_id", "x[y]"), fc.string({ maxLength: 6 })),
    {
      maxLength: 6,
    },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&"));
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
    host: fc.oneof(fc.constantFrom("slack.com", "HOOKS.SLACK.COM.", "hooks.slack.com"), fc.string()),
    port: fc.integer({ min: 0, max: 65535 }),
    path: fc.oneof(pathArb, fc.string({ unit: "binary" })),
    query: fc.oneof(
      fc.constant(""),
      formArb,
      fc.constantFrom("method=chat.delete", "channel=%zz"),
      fc.string(),
    ),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "authorization", "x-other"),
      fc.oneof(
        fc.constantFrom("application/json", "application/x-www-form-urlencoded", "multipart/form-data"),
        headerValueArb,
      ),
    ),
    contentType: fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
    ),
    body: fc.record({
      text: fc.oneof(jsonBodyArb, formArb, fc.json(), fc.string({ unit: "binary" })),
      truncated: fc.boolean(),
    }),
  },
  { requiredKeys: ["method", "scheme", "host", "port", "path", "query", "headers"] },
);

describe("slack connector: properties", () => {
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
