import { describe, expect, it } from "vitest";
import { type ConditionInput, compileField } from "./field.ts";

const input: ConditionInput = {
  type: "github.pr.merge",
  connector: "github",
  resource: "acme/web",
  parameters: { ref: "heads/main", items: [{ amount: 7 }], nested: { deep: { x: 1 } } },
  risk: "high",
  read: false,
  agent: "bot",
};

describe("compileField", () => {
  it.each([
    { path: "type", expected: "github.pr.merge" },
    { path: "agent", expected: "bot" },
    { path: "read", expected: false },
    { path: "risk", expected: "high" },
    { path: "parameters.ref", expected: "heads/main" },
    { path: "parameters.items.0.amount", expected: 7 },
    { path: "parameters.nested.deep.x", expected: 1 },
    { path: "parameters.missing.x", expected: undefined },
    { path: "parameters.items.1", expected: undefined },
    { path: "parameters.items.01", expected: undefined },
    { path: "parameters.ref.length", expected: undefined },
    { path: "parameters.constructor", expected: undefined },
    { path: "parameters.__proto__", expected: undefined },
    { path: "parameters.toString", expected: undefined },
  ])("`$path` reads $expected (own properties only)", ({ path, expected }) => {
    const r = compileField(path);
    if (!r.ok) throw new Error(r.message);
    expect(r.get(input)).toEqual(expected);
  });

  it.each([
    {
      path: "params.ref",
      message:
        "unknown field `params.ref`; a field starts with `type`, `connector`, `resource`, `parameters`, `risk`, `read`, `agent`",
    },
    { path: "parameters..ref", message: "field `parameters..ref` has an empty segment" },
    { path: "type.x", message: "field `type.x`: only `parameters` has nested fields" },
    { path: "", message: "field `` must be 1 to 256 characters" },
  ])("rejects `$path`", ({ path, message }) => {
    expect(compileField(path)).toEqual({ ok: false, message });
  });
});
