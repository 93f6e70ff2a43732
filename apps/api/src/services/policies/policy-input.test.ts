import { describe, expect, it } from "vitest";
import { checkPolicy } from "./policy-input.ts";

describe("checkPolicy", () => {
  it("accepts a valid policy in YAML and fills the defaults", () => {
    const result = checkPolicy({ yaml: "name: p\nrules:\n  - { name: r, decision: deny }\n" }, []);
    expect(result).toMatchObject({ ok: true, value: { name: "p", enabled: true, priority: 0 } });
  });

  it("reports errors at the caller's own line and column, with paths inside the policy", () => {
    const yaml = "name: p\nrules:\n  - name: r\n    decision: maybe\n";
    const result = checkPolicy({ yaml }, []);
    expect(result).toMatchObject({ ok: false, errors: [{ path: "rules[0].decision", line: 4, column: 15 }] });
  });

  it("reports YAML syntax errors at the caller's line", () => {
    const result = checkPolicy({ yaml: "name: p\nrules: [\n" }, []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/^yaml syntax/);
  });

  it("checks scoped connector names against the known connectors", () => {
    const policy = { name: "p", scope: { connectors: ["github"] }, rules: [{ name: "r", decision: "deny" }] };
    expect(checkPolicy({ policy }, ["github"]).ok).toBe(true);
    expect(checkPolicy({ policy }, ["stripe"])).toMatchObject({
      ok: false,
      errors: [{ path: "scope.connectors[0]" }],
    });
  });

  it("refuses a whole document where one policy is expected", () => {
    expect(checkPolicy({ yaml: "version: 1\npolicies: []\n" }, [])).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining("not a whole policy document") }],
    });
  });

  it("refuses a policy that is not a mapping", () => {
    expect(checkPolicy({ policy: ["x"] }, [])).toMatchObject({ ok: false, errors: [{ path: "" }] });
  });
});
