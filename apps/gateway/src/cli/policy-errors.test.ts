import { describe, expect, it } from "vitest";
import { displayPath, formatPolicyErrors } from "./policy-errors.ts";

const text = `version: 1
connectors:
  - type: github
    credential: { env: GITHUB_TOKEN }
  - type: generic
    name: internal
access_rules:
  - connector: github
    decision: alow
`;

describe("formatPolicyErrors", () => {
  it("prints FILE:LINE: path: message with the line of the offending key", () => {
    const lines = formatPolicyErrors("tameflare.yaml", text, [
      { path: "access_rules.0.decision", message: "invalid option" },
      { path: ["connectors", 1, "name"], message: "bad name" },
      { path: "connectors[0].credential", message: "needs one source" },
    ]);
    expect(lines).toEqual([
      "tameflare.yaml:9: access_rules[0].decision: invalid option",
      "tameflare.yaml:6: connectors[1].name: bad name",
      "tameflare.yaml:4: connectors[0].credential: needs one source",
    ]);
  });

  it("points a missing key at its nearest existing parent", () => {
    expect(
      formatPolicyErrors("f.yaml", text, [{ path: "access_rules.0.action", message: "required" }]),
    ).toEqual(["f.yaml:8: access_rules[0].action: required"]);
  });

  it("keeps a line the parser already knew", () => {
    expect(formatPolicyErrors("f.yaml", text, [{ path: "", message: "bad indentation", line: 3 }])).toEqual([
      "f.yaml:3: (document): bad indentation",
    ]);
  });
});

describe("displayPath", () => {
  it.each([
    { path: "/policies/0/rules/1/when", expected: "policies[0].rules[1].when" },
    { path: [], expected: "(document)" },
    { path: "version", expected: "version" },
  ])("$path", ({ path, expected }) => {
    expect(displayPath(path)).toBe(expected);
  });
});
