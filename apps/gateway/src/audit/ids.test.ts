import { isId } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";

describe("hot-path ids", () => {
  it("new ids are valid contract ids of 22 base62 characters, distinct across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const kind = i % 2 === 0 ? "request" : "event";
      const id = newId(kind);
      expect(isId(kind, id)).toBe(true);
      expect(id).toMatch(/^(req|evt)_[0-9A-Za-z]{22}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it("every character is (about) equally likely: no bias towards the start of the alphabet", () => {
    const counts = new Map<string, number>();
    const ids = 20_000;
    for (let i = 0; i < ids; i++)
      for (const c of newId("request").slice(4)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 440,000 characters: 7,097 expected each; a byte-modulo bias (8 characters at 5/4 the
    // odds) would put them near 8,600. Chi-square over 61 degrees of freedom stays far below 150.
    const expected = (ids * 22) / 62;
    let chi = 0;
    for (const n of counts.values()) chi += (n - expected) ** 2 / expected;
    expect(chi).toBeLessThan(150);
  });
});
