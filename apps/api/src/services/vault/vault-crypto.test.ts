import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open, seal, secretAad, VaultDecryptError } from "./vault-crypto.ts";
import type { VaultKeyring } from "./vault-keys.ts";

const ring = (id = "k1"): VaultKeyring => ({ current: { id, key: randomBytes(32) }, previous: new Map() });
const place = { orgId: "org_a", gatewayId: "gw_a", connectorId: "con_a" };

describe("vault crypto (AES-256-GCM)", () => {
  it("opens what it sealed under the same key and AAD", () => {
    const keys = ring();
    const sealed = seal(keys.current, "sk_live_abc123", secretAad(place), randomBytes);
    expect(sealed.keyId).toBe("k1");
    expect(open(keys, sealed, secretAad(place))).toBe("sk_live_abc123");
  });

  it("uses a fresh 96-bit nonce per value, so equal secrets never share a ciphertext", () => {
    const keys = ring();
    const a = seal(keys.current, "same", secretAad(place), randomBytes);
    const b = seal(keys.current, "same", secretAad(place), randomBytes);
    expect(Buffer.from(a.nonce, "base64")).toHaveLength(12);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  const refusals: Array<{
    name: string;
    mutate: (s: ReturnType<typeof seal>, k: VaultKeyring) => [ReturnType<typeof seal>, VaultKeyring, string];
  }> = [
    { name: "another organization's AAD", mutate: (s, k) => [s, k, secretAad({ ...place, orgId: "org_b" })] },
    { name: "another gateway's AAD", mutate: (s, k) => [s, k, secretAad({ ...place, gatewayId: "gw_b" })] },
    {
      name: "another connector's AAD",
      mutate: (s, k) => [s, k, secretAad({ ...place, connectorId: "con_b" })],
    },
    {
      name: "a flipped ciphertext bit",
      mutate: (s, k) => {
        const bytes = Buffer.from(s.ciphertext, "base64");
        bytes[0] = (bytes[0] ?? 0) ^ 1;
        return [{ ...s, ciphertext: bytes.toString("base64") }, k, secretAad(place)];
      },
    },
    { name: "a different key with the same id", mutate: (s) => [s, ring("k1"), secretAad(place)] },
    { name: "an unknown key id", mutate: (s, k) => [{ ...s, keyId: "k9" }, k, secretAad(place)] },
  ];
  for (const r of refusals) {
    it(`refuses to open with ${r.name}`, () => {
      const keys = ring();
      const [sealed, keyring, aad] = r.mutate(
        seal(keys.current, "secret-value", secretAad(place), randomBytes),
        keys,
      );
      expect(() => open(keyring, sealed, aad)).toThrow(VaultDecryptError);
    });
  }

  it("opens values of a previous key during a rotation", () => {
    const old = ring("old");
    const sealed = seal(old.current, "v", secretAad(place), randomBytes);
    const rotated: VaultKeyring = {
      current: { id: "new", key: randomBytes(32) },
      previous: new Map([["old", old.current]]),
    };
    expect(open(rotated, sealed, secretAad(place))).toBe("v");
  });
});
