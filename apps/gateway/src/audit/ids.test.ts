import { randomBytes } from "node:crypto";
import { isId, makeId } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { base62Of16, newId } from "./ids.ts";

describe("hot-path ids", () => {
  it("base62 of 16 bytes is the same text as contracts' makeId for the same bytes", () => {
    const cases: Buffer[] = [
      Buffer.alloc(16),
      Buffer.from([...Array(15).fill(0), 1]),
      Buffer.from([...Array(15).fill(0), 61]),
      Buffer.from([...Array(15).fill(0), 62]),
      Buffer.alloc(16, 0xff),
      Buffer.from([0x80, ...Array(15).fill(0)]),
      Buffer.from([...Array(12).fill(0), 0xff, 0xff, 0xff, 0xff]),
    ];
    for (let i = 0; i < 5000; i++) cases.push(randomBytes(16));
    for (const bytes of cases) expect(`req_${base62Of16(bytes)}`).toBe(makeId("request", bytes));
  });

  it("reads the 16 bytes at an offset of a larger buffer", () => {
    const big = randomBytes(64);
    expect(`evt_${base62Of16(big, 32)}`).toBe(makeId("event", big.subarray(32, 48)));
  });

  it("new ids are valid contract ids and distinct across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newId(i % 2 === 0 ? "request" : "event");
      expect(isId(i % 2 === 0 ? "request" : "event", id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });
});
