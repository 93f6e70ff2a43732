import { describe, expect, it } from "vitest";
import { code, codeList, describeType, verb } from "./format.ts";

describe("code", () => {
  it.each([
    { value: "heads/main", text: "`heads/main`" },
    { value: 5000, text: "`5000`" },
    { value: true, text: "`true`" },
    { value: null, text: "`null`" },
    { value: undefined, text: "`undefined`" },
    { value: ["a", 1], text: "`[a, 1]`" },
    { value: { a: 1 }, text: '`{"a":1}`' },
    { value: "a`b", text: "`a'b`" },
    { value: "x".repeat(100), text: `\`${"x".repeat(79)}…\`` },
  ])("quotes $value as user input", ({ value, text }) => {
    expect(code(value)).toBe(text);
  });

  it("never throws on a cyclic or hostile value", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(code(cyclic)).toBe("`<object>`");
  });
});

describe("codeList, verb and describeType", () => {
  it.each([
    { values: [], text: "nothing" },
    { values: ["a"], text: "`a`" },
    { values: ["a", "b"], text: "`a` or `b`" },
    { values: ["a", "b", "c"], text: "`a`, `b` or `c`" },
    {
      values: Array.from({ length: 10 }, (_, i) => i),
      text: "`0`, `1`, `2`, `3`, `4`, `5`, `6`, `7` or 2 more",
    },
  ])("lists $values", ({ values, text }) => {
    expect(codeList(values)).toBe(text);
  });

  it("starts explanations with the decision's word", () => {
    expect([verb("allow"), verb("deny"), verb("require_approval")]).toEqual([
      "allowed",
      "denied",
      "needs approval",
    ]);
  });

  it.each([
    { value: undefined, text: "nothing" },
    { value: [], text: "a list" },
    { value: {}, text: "a mapping" },
    { value: "x", text: "a string" },
    { value: 1, text: "a number" },
    { value: false, text: "a boolean" },
    { value: null, text: "null" },
  ])("describes $value as $text", ({ value, text }) => {
    expect(describeType(value)).toBe(text);
  });
});
