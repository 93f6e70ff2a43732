import { describe, expect, it } from "vitest";
import { compileCondition } from "./condition.ts";
import type { LocatedError } from "./errors.ts";
import type { ConditionInput } from "./field.ts";

const input: ConditionInput = {
  type: "github.pr.merge",
  connector: "github",
  resource: "acme/web",
  parameters: { base: "main", amount: 60000, labels: ["hotfix"] },
  risk: "high",
  read: false,
  agent: "bot",
};

function build(raw: unknown) {
  const errors: LocatedError[] = [];
  const c = compileCondition(raw, ["when"], "policy `p`: rule `r`", errors);
  return { c, errors };
}

function holds(raw: unknown): boolean {
  const { c, errors } = build(raw);
  if (c === undefined) throw new Error(JSON.stringify(errors));
  return c.test(input);
}

const base = { field: "parameters.base", op: "equals", value: "main" };
const small = { field: "parameters.amount", op: "lt", value: 100 };

describe("compileCondition evaluates nested conditions", () => {
  it.each([
    { name: "a leaf that holds", raw: base, expected: true },
    { name: "a leaf that fails", raw: small, expected: false },
    { name: "all of true and false", raw: { all: [base, small] }, expected: false },
    { name: "any of true and false", raw: { any: [small, base] }, expected: true },
    { name: "not of false", raw: { not: small }, expected: true },
    { name: "an empty all", raw: { all: [] }, expected: true },
    { name: "an empty any", raw: { any: [] }, expected: false },
    { name: "nesting three deep", raw: { all: [{ any: [small, { not: { not: base } }] }] }, expected: true },
    { name: "agent as a field", raw: { field: "agent", op: "starts_with", value: "bo" }, expected: true },
    {
      name: "list membership by contains",
      raw: { field: "parameters.labels", op: "contains", value: "hotfix" },
      expected: true,
    },
  ])("$name → $expected", ({ raw, expected }) => {
    expect(holds(raw)).toBe(expected);
  });
});

describe("compileCondition explains only what decided", () => {
  it.each([
    { name: "a leaf", raw: base, text: "`parameters.base` equals `main`" },
    {
      name: "an any names the branch that held",
      raw: { any: [small, base] },
      text: "`parameters.base` equals `main`",
    },
    {
      name: "an all names every part",
      raw: { all: [base, { field: "parameters.amount", op: "gt", value: 50000 }] },
      text: "`parameters.base` equals `main` and `parameters.amount` is greater than `50000`",
    },
    {
      name: "a not uses the negative wording",
      raw: { not: small },
      text: "`parameters.amount` is not less than `100`",
    },
    {
      name: "a not over an any lists each failing branch",
      raw: { not: { any: [small, { field: "agent", op: "equals", value: "x" }] } },
      text: "`parameters.amount` is not less than `100` and `agent` does not equal `x`",
    },
    {
      name: "a not over an all names the failing part",
      raw: { not: { all: [base, small] } },
      text: "`parameters.amount` is not less than `100`",
    },
  ])("$name", ({ raw, text }) => {
    const { c } = build(raw);
    expect(c?.explain(input, true)).toBe(text);
  });
});

describe("compileCondition reports shape problems with paths", () => {
  it.each([
    {
      name: "an unknown operator",
      raw: { any: [{ field: "parameters.x", op: "greater", value: 1 }] },
      errors: [
        { segments: ["when", "any", 0, "op"], message: "policy `p`: rule `r`: unknown operator `greater`" },
      ],
    },
    {
      name: "a wrong value type",
      raw: { field: "parameters.x", op: "in", value: "a" },
      errors: [
        {
          segments: ["when", "value"],
          message: "policy `p`: rule `r`: operator `in` needs a list of values, got a string",
        },
      ],
    },
    {
      name: "a missing op",
      raw: { field: "parameters.x" },
      errors: [
        {
          segments: ["when"],
          message:
            "policy `p`: rule `r`: a condition is a mapping with `field` and `op` (and `value`), or with one of `all`, `any` or `not`",
        },
      ],
    },
    {
      name: "an unknown key",
      raw: { field: "parameters.x", op: "exists", valu: true },
      errors: [
        { segments: ["when", "valu"], message: "policy `p`: rule `r`: unknown key `valu` in a condition" },
      ],
    },
    {
      name: "a compound with extra keys",
      raw: { all: [], field: "x" },
      errors: [
        {
          segments: ["when", "field"],
          message:
            "policy `p`: rule `r`: a condition is a mapping with `field` and `op` (and `value`), or with one of `all`, `any` or `not`; unexpected key `field` next to `all`",
        },
      ],
    },
    {
      name: "an all that is not a list",
      raw: { all: { field: "x" } },
      errors: [
        { segments: ["when", "all"], message: "policy `p`: rule `r`: `all` needs a list of conditions" },
      ],
    },
    {
      name: "an unknown field root",
      raw: { field: "params.x", op: "exists" },
      errors: [
        {
          segments: ["when", "field"],
          message:
            "policy `p`: rule `r`: unknown field `params.x`; a field starts with `type`, `connector`, `resource`, `parameters`, `risk`, `read`, `agent`",
        },
      ],
    },
    {
      name: "a non-mapping",
      raw: "parameters.x == 1",
      errors: [
        {
          segments: ["when"],
          message:
            "policy `p`: rule `r`: a condition is a mapping with `field` and `op` (and `value`), or with one of `all`, `any` or `not`",
        },
      ],
    },
  ])("$name", ({ raw, errors }) => {
    const built = build(raw);
    expect(built.c).toBeUndefined();
    expect(built.errors).toEqual(errors);
  });

  it("rejects nesting deeper than 32 levels instead of recursing without bound", () => {
    let raw: unknown = base;
    for (let i = 0; i < 10_000; i++) raw = { not: raw };
    const built = build(raw);
    expect(built.c).toBeUndefined();
    expect(built.errors).toHaveLength(1);
    expect(built.errors[0]?.message).toBe("policy `p`: rule `r`: conditions nest deeper than 32 levels");
  });
});
