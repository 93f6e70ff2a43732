import { describe, expect, it } from "vitest";
import { createLinkSigner, linkSigningKey } from "./slack-links.ts";

const key = new Uint8Array(32).fill(1);
const claims = {
  orgId: "org_1",
  approvalId: "apv_12345678",
  decision: "approve" as const,
  nonce: "n0nce-0123456789abcdef",
  expiresAt: new Date("2030-01-01T12:10:00Z"),
};
const before = new Date("2030-01-01T12:00:00Z");

describe("signed approval links", () => {
  it("a link signed by the server verifies to its claims until it expires", async () => {
    const signer = createLinkSigner(key);
    const token = await signer.sign(claims);
    expect(await signer.verify(token, before)).toEqual({ ok: true, value: claims });
  });

  it("a genuine link past its expiry is `expired`", async () => {
    const signer = createLinkSigner(key);
    const token = await signer.sign(claims);
    expect(await signer.verify(token, new Date("2030-01-01T12:10:01Z"))).toMatchObject({
      ok: false,
      code: "expired",
    });
  });

  it("a link with a changed payload, another key's signature or no signature is `forged`", async () => {
    const signer = createLinkSigner(key);
    const token = await signer.sign(claims);
    const [h, p, s] = token.split(".");
    const swapped = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()), d: "deny" }),
    ).toString("base64url");
    expect(await signer.verify(`${h}.${swapped}.${s}`, before)).toMatchObject({ ok: false, code: "forged" });
    const other = await createLinkSigner(new Uint8Array(32).fill(2)).sign(claims);
    expect(await signer.verify(other, before)).toMatchObject({ ok: false, code: "forged" });
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p}.`;
    expect(await signer.verify(none, before)).toMatchObject({ ok: false, code: "forged" });
    expect(await signer.verify("garbage", before)).toMatchObject({ ok: false, code: "forged" });
  });

  it("the key comes from TF_LINK_SIGNING_KEY, else from the vault key, else there is none", () => {
    const explicit = Buffer.alloc(32, 9).toString("base64");
    expect(linkSigningKey({ TF_LINK_SIGNING_KEY: explicit, TF_VAULT_KEY: undefined })).toEqual(
      new Uint8Array(32).fill(9),
    );
    const derived = linkSigningKey({
      TF_LINK_SIGNING_KEY: undefined,
      TF_VAULT_KEY: Buffer.alloc(32, 3).toString("base64"),
    });
    expect(derived).toHaveLength(32);
    // Derived, not the vault key itself: a leaked link key does not open the vault.
    expect(Buffer.from(derived ?? []).equals(Buffer.alloc(32, 3))).toBe(false);
    expect(linkSigningKey({ TF_LINK_SIGNING_KEY: undefined, TF_VAULT_KEY: undefined })).toBeNull();
  });
});
