import { conditionOperators } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { matcherFor, matchers } from "./index.ts";

describe("the matcher registry", () => {
  it("has exactly one matcher per contract operator, registered under its own name", () => {
    expect(Object.keys(matchers).sort()).toEqual([...conditionOperators].sort());
    for (const op of conditionOperators) expect(matchers[op].op).toBe(op);
  });

  it.each(["greater", "__proto__", "toString", 1, undefined])("finds no matcher for %s", (op) => {
    expect(matcherFor(op)).toBeUndefined();
  });
});
