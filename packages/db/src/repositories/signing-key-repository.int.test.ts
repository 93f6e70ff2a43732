import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedTestDatabase, testBackends } from "../../../../tests/support/index.ts";
import { createRepositories, type Repositories } from "./index.ts";

const b64 = (n: number) => randomBytes(n).toString("base64");

function candidate(purpose: string) {
  return {
    id: `key-${randomBytes(5).toString("hex")}`,
    purpose,
    algorithm: "EdDSA",
    publicJwk: { kty: "OKP", crv: "Ed25519", x: randomBytes(32).toString("base64url") },
    sealedPrivateJwk: { ciphertext: b64(48), nonce: b64(12), keyId: "k1" },
  };
}

describe.each(testBackends)("signing key repository on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;

  beforeAll(async () => {
    opened = await backend.open();
    repos = createRepositories(opened.db.prisma);
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it("concurrent first keys of a purpose converge on exactly one active key", async () => {
    const purpose = `p-${randomBytes(4).toString("hex")}`;
    expect(await repos.signingKeys.findActive(purpose)).toBeNull();
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => repos.signingKeys.createActiveIfAbsent(candidate(purpose))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const ids = new Set(results.map((r) => r.key.id));
    expect(ids.size).toBe(1);
    const active = await repos.signingKeys.findActive(purpose);
    expect(active?.id).toBe([...ids][0]);
    expect(active?.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(active?.retiredAt).toBeNull();
  });

  it("the private key round-trips only as the sealed value it was given", async () => {
    const input = candidate(`p-${randomBytes(4).toString("hex")}`);
    const { key } = await repos.signingKeys.createActiveIfAbsent(input);
    expect(key.sealedPrivateJwk).toEqual(input.sealedPrivateJwk);
    expect((await repos.signingKeys.list()).some((k) => k.id === input.id)).toBe(true);
  });

  it("reseal replaces the sealed value only while it still holds the one that was read", async () => {
    const input = candidate(`p-${randomBytes(4).toString("hex")}`);
    await repos.signingKeys.createActiveIfAbsent(input);
    const next = { ciphertext: b64(48), nonce: b64(12), keyId: "k2" };
    const stale = { keyId: "k1", nonce: b64(12) };
    expect(await repos.signingKeys.reseal(input.id, { expected: stale, sealed: next })).toBe(false);
    const expected = { keyId: "k1", nonce: input.sealedPrivateJwk.nonce };
    expect(await repos.signingKeys.reseal(input.id, { expected, sealed: next })).toBe(true);
    expect((await repos.signingKeys.findActive(input.purpose))?.sealedPrivateJwk).toEqual(next);
    expect(await repos.signingKeys.reseal(input.id, { expected, sealed: next })).toBe(false);
  });
});
