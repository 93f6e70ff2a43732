import { describe, expect, it } from "vitest";
import { parsePolicyYaml } from "./yaml.ts";

describe("parsePolicyYaml", () => {
  it("parses and validates a document", () => {
    const r = parsePolicyYaml("version: 1\ngateway: { name: dev-bot, enforcement: soft }\n");
    expect(r.ok && r.document.gateway).toEqual({ name: "dev-bot", enforcement: "soft" });
  });

  it("puts each error at the line and column of the offending node, in document order", () => {
    const text = [
      "version: 1", // 1
      "gateway:", // 2
      "  enforcement: strict", // 3
      "policies:", // 4
      "  - name: protect-main", // 5
      "    rules:", // 6
      "      - name: r2", // 7
      "        decision: deny", // 8
      "        when:", // 9
      "          any:", // 10
      "            - { field: parameters.x, op: greater, value: 1 }", // 11
    ].join("\n");
    const r = parsePolicyYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      {
        path: "gateway.enforcement",
        message: "gateway: `enforcement` must be one of `monitor`, `soft` or `full`, got `strict`",
        line: 3,
        column: 16,
      },
      {
        path: "policies[0].rules[0].when.any[0].op",
        message: "policy `protect-main`: rule `r2`: unknown operator `greater`",
        line: 11,
        column: 42,
      },
    ]);
  });

  it("points a missing key at the mapping that lacks it", () => {
    const r = parsePolicyYaml("version: 1\npolicies:\n  - rules: [{ name: r, decision: deny }]\n");
    expect(!r.ok && r.errors).toEqual([
      { path: "policies[0].name", message: "policy at index 0: `name` is required", line: 3, column: 5 },
    ]);
  });

  it.each([
    { name: "a syntax error", text: "version: 1\npolicies: [\n", line: 3 },
    { name: "a duplicate key", text: "version: 1\nversion: 1\n", line: 2 },
  ])("reports $name with its line", ({ text, line }) => {
    const r = parsePolicyYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.message).toMatch(/^yaml syntax: /);
    expect(r.errors[0]?.line).toBe(line);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 12; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    const r = parsePolicyYaml(lines.join("\n"));
    expect(r.ok).toBe(false);
  });

  it.each(["", "---", "- 1\n- 2", "just text", "version: 1\nconnectors: 5"])("never throws on %j", (text) => {
    expect(() => parsePolicyYaml(text)).not.toThrow();
    expect(parsePolicyYaml(text).ok).toBe(false);
  });
});
