import { type BundlePayload, policyDocumentSchema } from "@tameflare/contracts";
import { CompactEncrypt, CompactSign, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type BundleExpectations,
  openCredential,
  unverifiedVersion,
  verifyBundle,
} from "./bundle-verifier.ts";

const now = Date.parse("2026-01-01T12:00:00Z");
const document = policyDocumentSchema.parse({
  version: 1,
  connectors: [{ type: "generic", name: "internal", domains: ["api.example.com"] }],
  access_rules: [{ connector: "internal", preset: "allow_all" }],
});

function payload(overrides: Partial<BundlePayload> = {}): BundlePayload {
  return {
    gateway_id: "gw_ours12345",
    org_id: "org_ours12345",
    version: 7,
    issued_at: new Date(now - 1000).toISOString(),
    expires_at: new Date(now + 3600_000).toISOString(),
    document,
    ...overrides,
  };
}

describe("verifyBundle", () => {
  let api: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let expectations: BundleExpectations;

  const sign = (body: unknown, header: Record<string, unknown> = {}, key = api.privateKey) =>
    new CompactSign(new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)))
      .setProtectedHeader({ alg: "EdDSA", kid: "api-key-1", typ: "tameflare-bundle+jws", ...header })
      .sign(key);

  beforeAll(async () => {
    api = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    other = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    expectations = {
      apiKey: api.publicKey,
      kid: "api-key-1",
      gatewayId: "gw_ours12345",
      orgId: "org_ours12345",
      floorVersion: 6,
      nowMs: now,
    };
  });

  it("accepts this gateway's newer, unexpired bundle signed by the pinned key, compiled", async () => {
    const result = await verifyBundle(await sign(payload()), expectations);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.payload.version).toBe(7);
      expect(result.compiled.counts.connectors).toBe(1);
      expect(result.expiresAtMs).toBe(now + 3600_000);
    }
  });

  const cases: Array<{ name: string; make: () => Promise<string>; code: string; message: RegExp }> = [
    {
      name: "not a JWS at all",
      make: async () => "garbage",
      code: "malformed",
      message: /not a compact JWS/,
    },
    {
      name: "another key id than the pinned one",
      make: () => sign(payload(), { kid: "someone-else" }),
      code: "wrong_key",
      message: /signed by key `someone-else`, not the pinned API key `api-key-1`/,
    },
    {
      name: "a signature by another key under the pinned key id (forged)",
      make: () => sign(payload(), {}, other.privateKey),
      code: "bad_signature",
      message: /does not verify against the pinned API key/,
    },
    {
      name: "a JWS that is not a bundle",
      make: () => sign(payload(), { typ: "JWT" }),
      code: "malformed",
      message: /JWS type `JWT` is not a bundle/,
    },
    {
      name: "a signed payload that is not JSON",
      make: () => sign("not json"),
      code: "bad_payload",
      message: /not JSON/,
    },
    {
      name: "another gateway's bundle",
      make: () => sign(payload({ gateway_id: "gw_theirs1234" })),
      code: "wrong_gateway",
      message: /for gateway `gw_theirs1234`/,
    },
    {
      name: "another organization's bundle",
      make: () => sign(payload({ org_id: "org_theirs1234" })),
      code: "wrong_gateway",
      message: /of `org_theirs1234`/,
    },
    {
      name: "the version in force again (replay)",
      make: () => sign(payload({ version: 6 })),
      code: "rollback",
      message: /bundle v6 is not newer than v6/,
    },
    {
      name: "an older version (rollback)",
      make: () => sign(payload({ version: 2 })),
      code: "rollback",
      message: /bundle v2 is not newer than v6/,
    },
    {
      name: "a bundle that expires right now",
      make: () => sign(payload({ expires_at: new Date(now).toISOString() })),
      code: "expired",
      message: /expired at/,
    },
    {
      name: "a document that does not compile",
      make: () =>
        sign({
          ...payload(),
          document: { ...document, access_rules: [{ connector: "nope", preset: "read_only" }] },
        }),
      code: "invalid_document",
      message: /access_rules/,
    },
  ];

  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      const result = await verifyBundle(await c.make(), expectations);
      expect(result).toMatchObject({ ok: false, code: c.code });
      if (!result.ok) expect(result.message).toMatch(c.message);
    });
  }

  it("reads a JWS's claimed version without trusting it", async () => {
    expect(unverifiedVersion(await sign(payload({ version: 42 })))).toBe(42);
    expect(unverifiedVersion("a.b.c")).toBeUndefined();
  });
});

describe("openCredential", () => {
  it("opens only a credential sealed to this gateway's key for this connector", async () => {
    const ours = await generateKeyPair("ECDH-ES", { crv: "P-256" });
    const theirs = await generateKeyPair("ECDH-ES", { crv: "P-256" });
    const seal = (connector: string) =>
      new CompactEncrypt(new TextEncoder().encode("sk_live_secret"))
        .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", tf_connector: connector })
        .encrypt(ours.publicKey);
    expect(await openCredential(await seal("internal"), "internal", ours.privateKey)).toEqual({
      ok: true,
      secret: "sk_live_secret",
    });
    expect(await openCredential(await seal("github"), "internal", ours.privateKey)).toMatchObject({
      ok: false,
      message: expect.stringContaining("sealed credential is for `github`, not `internal`"),
    });
    expect(await openCredential(await seal("internal"), "internal", theirs.privateKey)).toMatchObject({
      ok: false,
      message: expect.stringContaining("does not open with this gateway's key"),
    });
  });
});
