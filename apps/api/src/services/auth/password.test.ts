import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password.ts";

describe("password hashing (scrypt)", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const stored = await hashPassword("a long enough password");
    expect(await verifyPassword("a long enough password", stored)).toBe(true);
    expect(await verifyPassword("a long enough passworD", stored)).toBe(false);
  });

  it("salts per hash: the same password never gives the same stored text", async () => {
    expect(await hashPassword("same password here")).not.toBe(await hashPassword("same password here"));
  });

  const malformed = [
    "",
    "plain",
    "scrypt$1$8$1$AAAA$AAAA",
    "argon2id$v=19$m=65536$abc$def",
    "scrypt$32768$8$1$$",
  ];
  for (const stored of malformed) {
    it(`never matches a malformed stored hash: \`${stored}\``, async () => {
      expect(await verifyPassword("anything at all", stored)).toBe(false);
    });
  }
});
