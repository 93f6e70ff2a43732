import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor, createTextRedactor, redactionMask, StreamRedactor } from "./redactor.ts";

function run(secrets: string[], chunks: string[]): string {
  const r = createRedactor(secrets);
  if (!r) return chunks.join("");
  const out = chunks.map((c) => r.push(Buffer.from(c)));
  out.push(r.flush());
  return Buffer.concat(out).toString();
}

describe("StreamRedactor", () => {
  const secret = "sk_live_0123456789";
  const cases = [
    { name: "a secret inside one chunk is masked", chunks: [`a ${secret} b`] },
    { name: "a secret split across two chunks is masked", chunks: ["a sk_live_01", "23456789 b"] },
    { name: "a secret split across many one-byte chunks is masked", chunks: [...`x${secret}y`] },
    { name: "two secrets back to back are both masked", chunks: [`${secret}${secret}`] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = run([secret], c.chunks);
      expect(out).not.toContain(secret);
      expect(out.length).toBe(c.chunks.join("").length);
      expect(out).toContain(redactionMask(secret.length).toString());
    });
  }

  it("text without the secret passes through untouched and without delay", () => {
    const r = new StreamRedactor(secret);
    const sse = Buffer.from('data: {"delta":"hi"}\n\n');
    expect(r.push(sse)).toBe(sse);
    expect(r.flush().length).toBe(0);
  });

  it("a tail that could start the secret is held back only until it is decided", () => {
    const r = new StreamRedactor(secret);
    expect(r.push(Buffer.from("abc sk_li")).toString()).toBe("abc ");
    expect(r.push(Buffer.from("ght")).toString()).toBe("sk_light");
  });

  it("never leaks the secret and keeps the length, whatever the chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 24 }).filter((s) => s.trim().length >= 4),
        fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constant("SECRET")), { maxLength: 12 }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 10 }),
        (secret, parts, cuts) => {
          const text = parts.map((p) => (p === "SECRET" ? secret : p)).join("");
          const sorted = [...new Set(cuts.map((c) => c % (Buffer.byteLength(text) + 1)))].sort(
            (a, b) => a - b,
          );
          const bytes = Buffer.from(text);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const cut of [...sorted, bytes.length]) {
            chunks.push(bytes.subarray(at, cut));
            at = cut;
          }
          const r = new StreamRedactor(secret);
          const out = Buffer.concat([...chunks.map((c) => r.push(c)), r.flush()]);
          expect(out.length).toBe(bytes.length);
          expect(out.includes(Buffer.from(secret))).toBe(false);
        },
      ),
    );
  });

  it("several secrets (the raw one and its rendered header) are all masked", () => {
    const out = run(
      ["s3cr3t-value", "Basic eDpzM2NyM3QtdmFsdWU="],
      ["Basic eDpzM2Ny", "M3QtdmFsdWU= and s3cr3t-", "value"],
    );
    expect(out).not.toContain("s3cr3t-value");
    expect(out).not.toContain("eDpzM2NyM3QtdmFsdWU=");
  });

  it("header values are redacted with the same mask", () => {
    const redact = createTextRedactor(["tok_123456"]);
    expect(redact?.("Bearer tok_123456")).toBe(`Bearer ${redactionMask(10).toString()}`);
    expect(createTextRedactor([])).toBeUndefined();
  });
});
