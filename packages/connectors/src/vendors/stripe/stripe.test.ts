import { actionSchema, type ParseResult, parseErrorCodes, requestSnapshotSchema } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import { parseForm, parseQuery } from "../../util/body.ts";
import billing from "./fixtures/billing.json" with { type: "json" };
import hostile from "./fixtures/hostile.json" with { type: "json" };
import moneyOut from "./fixtures/money-out.json" with { type: "json" };
import payments from "./fixtures/payments.json" with { type: "json" };
import platform from "./fixtures/platform.json" with { type: "json" };
import unknown from "./fixtures/unknown.json" with { type: "json" };
import { stripeConnector } from "./index.ts";
import { stripeBodyFields, stripeRoutes } from "./stripe-routes.ts";

const config: ResolvedConnectorConfig = {
  type: "stripe",
  name: "stripe",
  domains: [...stripeConnector.defaultDomains],
};

const fixtureFiles = { payments, billing, "money-out": moneyOut, platform, unknown, hostile };

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

describe("stripe connector: golden fixtures", () => {
  it.each(fixtures.map((f) => [`${f.file}: ${f.name}`, f] as const))("%s", (_, f) => {
    expectMatches(stripeConnector.parse(f.request, config), f.expected);
  });

  it("every action of the route table has a golden fixture", () => {
    const covered = new Set(
      fixtures.flatMap((f) => (f.expected.ok ? f.expected.actions.map((a) => a.type) : [])),
    );
    const missing = [...new Set(stripeRoutes.map((r) => r.action))].filter((a) => !covered.has(a));
    expect(missing).toEqual([]);
  });

  it("the catalog has at least 40 distinct actions", () => {
    expect(new Set(stripeRoutes.map((r) => r.action)).size).toBeGreaterThanOrEqual(40);
  });

  it("fixture names are unique, so a failure points at one case", () => {
    const names = fixtures.map((f) => `${f.file}: ${f.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("stripe connector: definition", () => {
  it("injects a bearer secret key and strips the agent's authorization", () => {
    expect(stripeConnector.injection).toEqual({
      header: "authorization",
      format: "Bearer {secret}",
      strip: ["authorization"],
    });
    expect(stripeConnector.dummyEnv).toEqual(["STRIPE_SECRET_KEY", "STRIPE_API_KEY"]);
    expect(stripeConnector.defaultDomains).toContain("api.stripe.com");
  });

  it("needs the body for form POSTs only, never for reads, deletes or multipart uploads", () => {
    const head = (method: string, path: string, contentType?: string): RequestHead => ({
      method,
      scheme: "https" as const,
      host: "api.stripe.com",
      port: 443,
      path,
      query: "",
      headers: contentType === undefined ? {} : { "content-type": contentType },
    });
    expect(
      stripeConnector.needsBody(head("POST", "/v1/charges", "application/x-www-form-urlencoded"), config),
    ).toBe(true);
    expect(stripeConnector.needsBody(head("POST", "/v1/unknown_thing"), config)).toBe(true);
    expect(stripeConnector.needsBody(head("GET", "/v1/charges"), config)).toBe(false);
    expect(stripeConnector.needsBody(head("DELETE", "/v1/customers/cus_1"), config)).toBe(false);
    expect(
      stripeConnector.needsBody(head("POST", "/v1/files", "multipart/form-data; boundary=x"), config),
    ).toBe(false);
    expect(stripeConnector.needsBody(head("POST", "/v1/charges/%zz"), config)).toBe(false);
  });

  it("a base path in the config is stripped before matching", () => {
    const request = fixtures.find((f) => f.name.startsWith("a refund create is high risk"))?.request;
    if (request === undefined) throw new Error("missing fixture");
    const result = stripeConnector.parse(
      { ...request, path: `/stripe-proxy${request.path}` },
      { ...config, base_path: "/stripe-proxy" },
    );
    expect(result.ok && result.actions[0].type).toBe("stripe.refund.create");
  });
});

describe("stripe connector: hostile bodies", () => {
  const post = (text: string, truncated = false) => ({
    method: "POST",
    scheme: "https" as const,
    host: "api.stripe.com",
    port: 443,
    path: "/v1/charges",
    query: "",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: { text, truncated },
  });

  it("a 1 MiB form body is parsed and still yields the amount at its end", () => {
    const result = stripeConnector.parse(post(`description=${"x".repeat(1024 * 1024)}&amount=70000`), config);
    expect(result.ok && result.actions[0].parameters.amount).toBe(70000);
  });

  it("a form body with 20,000 metadata keys is parsed", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `metadata[k${i}]=v`).join("&");
    const result = stripeConnector.parse(post(`${keys}&amount=5`), config);
    expect(result.ok && result.actions[0].parameters.amount).toBe(5);
  });

  it("`__proto__` keys in a form body cannot pollute prototypes", () => {
    const result = stripeConnector.parse(
      post(
        "metadata[__proto__][polluted]=1&__proto__[polluted]=1&amount=5&constructor[prototype][polluted]=1",
      ),
      config,
    );
    expect(result.ok && result.actions[0].parameters.amount).toBe(5);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// ---- property tests ----------------------------------------------------------

const vocabulary = [
  ...new Set(stripeRoutes.flatMap((r) => r.path.split("/").filter((s) => s !== "" && !s.startsWith("{")))),
];
const segmentArb = fc.oneof(
  fc.constantFrom(...vocabulary),
  fc.constantFrom("..", ".", "%2e%2e", "%2F", "%", "%zz", "%00", "ch_1", "V1", "CHARGES", "", "#", "?", "\\"),
  fc.string({ maxLength: 6 }),
);
const pathArb = fc.array(segmentArb, { maxLength: 8 }).map((segs) => `/${segs.join("/")}`);
const formArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...stripeBodyFields),
        fc.constantFrom("metadata[a]", "transfer_data[amount]", "amount[]", "__proto__[x]", "a[b][c]"),
        fc.string({ maxLength: 5 }),
      ),
      fc.oneof(
        fc.constantFrom("100", "-5", "1.5", "", "true", "0x1", "9".repeat(400)),
        fc.string({ maxLength: 8 }),
      ),
    ),
    { maxLength: 8 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));
const headerValueArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
);
const snapshotArb = fc.record(
  {
    method: fc.oneof(
      fc.constantFrom("GET", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"),
      fc.string({ minLength: 1 }),
    ),
    scheme: fc.constantFrom("http" as const, "https" as const),
    host: fc.oneof(fc.constantFrom("api.stripe.com", "API.STRIPE.COM.", "files.stripe.com"), fc.string()),
    port: fc.integer({ min: 0, max: 65535 }),
    path: fc.oneof(pathArb, fc.string({ unit: "binary" })),
    query: fc.oneof(fc.constant(""), formArb, fc.string()),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "authorization", "stripe-account", "x-other"),
      fc.oneof(
        fc.constantFrom("application/x-www-form-urlencoded", "application/json", "multipart/form-data"),
        headerValueArb,
      ),
    ),
    contentType: fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain"),
    body: fc.record({
      text: fc.oneof(formArb, fc.json(), fc.string({ unit: "binary" })),
      truncated: fc.boolean(),
    }),
  },
  { requiredKeys: ["method", "scheme", "host", "port", "path", "query", "headers"] },
);

describe("stripe connector: properties", () => {
  it("parse and needsBody never throw, and every action satisfies the contract", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const result = stripeConnector.parse(snapshot, config);
        stripeConnector.needsBody(snapshot, config);
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
          expect(stripeConnector.parse({ ...f.request, path }, config)).toEqual(f.expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("vendor kit", () => {
  const formKeyArb = fc
    .array(fc.constantFrom("a", "b", "[", "]", "%", "%5B", "+", "_", "__proto__", "constructor", "0"), {
      maxLength: 6,
    })
    .map((parts) => parts.join(""));
  const formTextArb = fc.oneof(
    fc
      .array(fc.tuple(formKeyArb, fc.option(fc.string({ maxLength: 4 }), { nil: undefined })), {
        maxLength: 8,
      })
      .map((pairs) => pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join("&")),
    fc.string(),
  );

  it("parseForm decodes every form as the obvious reference decoder does", () => {
    fc.assert(
      fc.property(formTextArb, (text) => {
        // The reference groups keys in a plain object, so a top-level integer key (`0`) is
        // applied first whatever its position; parseForm keeps the order of the text.
        fc.pre(!Object.keys(parseQuery(text)).some((key) => /^(0|[1-9]\d*)$/.test(key)));
        expect(parseForm(text)).toEqual(referenceForm(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("parseForm applies keys in the order of the text, even integer keys", () => {
    expect(parseForm("0[=a&0=b")).toEqual({ 0: "b" });
    expect(parseForm("0=b&0[=a")).toEqual({ 0: "a" });
  });

  it("parseForm never pollutes a prototype", () => {
    const decoded = parseForm("__proto__[polluted]=1&a[__proto__][polluted]=1&__proto__=x");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toEqual(["__proto__", "a"]);
  });
});

/** The obvious form decoder (regex split, prototype-less objects): the reference for parseForm. */
function referenceForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [rawKey, value] of Object.entries(parseQuery(text))) {
    const keys = rawKey.split(/[[\]]+/).filter((k) => k !== "");
    if (keys.length === 0) continue;
    let node = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as string;
      const next = node[k];
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[k] = Object.create(null);
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = value;
  }
  return out;
}
