import { describe, expect, it } from "vitest";
import { checkPolicyYaml, newPolicyTemplate, withDraftPolicy } from "./policy-check.ts";

const broken = [
  "name: no-admin-paths",
  "priority: 10",
  "scope:",
  '  actions: ["http.*"]',
  "rules:",
  "  - name: block admin",
  "    when:",
  "      all:",
  "        - { field: parameters.path, op: startswith, value: /admin }",
  "    decision: deny",
].join("\n");

describe("checkPolicyYaml", () => {
  it("reports an engine error at the editor's own line and column, not the wrapped document's", () => {
    const result = checkPolicyYaml(broken, []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ line: 9, column: 41, path: "rules[0].when.all[0].op" });
    expect(result.errors[0]?.message).toContain("unknown operator `startswith`");
  });

  it("reports a YAML syntax error on the line that has it", () => {
    const result = checkPolicyYaml("name: x\nrules:\n  - name: r\n    decision: [deny\n", []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toMatch(/^yaml syntax/);
    expect(result.errors[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it("accepts the example policy the editor starts from", () => {
    expect(checkPolicyYaml(newPolicyTemplate, []).ok).toBe(true);
  });

  it("refuses a whole policy document and says to write one policy", () => {
    const result = checkPolicyYaml("version: 1\npolicies: []\n", []);
    expect(result).toMatchObject({ ok: false, errors: [{ line: 1 }] });
  });

  it("knows the gateway's connectors: a scope naming another one is an error", () => {
    const policy = "name: p\nscope:\n  connectors: [github]\nrules:\n  - name: r\n    decision: deny\n";
    expect(checkPolicyYaml(policy, ["github"]).ok).toBe(true);
    const unknown = checkPolicyYaml(policy, ["stripe"]);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.errors[0]?.line).toBe(3);
  });
});

describe("withDraftPolicy", () => {
  const stored = { name: "old-name", rules: [{ name: "r", decision: "deny" as const }] };
  const draft = {
    name: "new-name",
    enabled: true,
    priority: 0,
    scope: {},
    rules: [{ name: "r", decision: "allow" as const }],
  };

  it("replaces the stored policy (found by its stored name) and keeps the others", () => {
    const doc = withDraftPolicy(
      { version: 1, policies: [stored, { name: "other", rules: stored.rules }] },
      draft,
      "old-name",
    );
    expect(doc.policies?.map((p) => p.name)).toEqual(["new-name", "other"]);
  });

  it("adds a new policy to the document when none has its name", () => {
    const doc = withDraftPolicy({ version: 1, policies: [stored] }, draft, null);
    expect(doc.policies?.map((p) => p.name)).toEqual(["old-name", "new-name"]);
  });
});
