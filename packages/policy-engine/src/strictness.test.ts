import { describe, expect, it } from "vitest";
import { stricter, strictness } from "./strictness.ts";

describe("strictness", () => {
  it("orders deny over require_approval over allow", () => {
    expect(strictness("deny")).toBeGreaterThan(strictness("require_approval"));
    expect(strictness("require_approval")).toBeGreaterThan(strictness("allow"));
  });

  it.each([
    { a: "allow", b: "deny", expected: "deny" },
    { a: "deny", b: "allow", expected: "deny" },
    { a: "allow", b: "require_approval", expected: "require_approval" },
    { a: "require_approval", b: "deny", expected: "deny" },
    { a: "allow", b: "allow", expected: "allow" },
  ] as const)("the stricter of $a and $b is $expected", ({ a, b, expected }) => {
    expect(stricter(a, b)).toBe(expected);
  });
});
