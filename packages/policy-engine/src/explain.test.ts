import type { Decision } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { explainDecision } from "./explain.ts";

const base: Decision = {
  decision: "deny",
  enforced: "deny",
  mode: "full",
  default: false,
  reasons: [
    {
      source: "policy",
      id: "protect-main",
      rule: "never touch main",
      decision: "deny",
      explanation:
        "denied: policy `protect-main` rule `never touch main`: `parameters.ref` equals `heads/main`",
    },
  ],
  risk_score: 95,
  flagged: false,
  errors: [],
};

describe("explainDecision", () => {
  it.each([
    {
      name: "states the first reason",
      decision: base,
      text: "denied: policy `protect-main` rule `never touch main`: `parameters.ref` equals `heads/main`",
    },
    {
      name: "says what monitor mode did",
      decision: { ...base, mode: "monitor", enforced: "allow", flagged: true },
      text: "denied: policy `protect-main` rule `never touch main`: `parameters.ref` equals `heads/main` (monitor mode: let through and flagged for review)",
    },
    {
      name: "says who may approve and for how long",
      decision: {
        ...base,
        decision: "require_approval",
        enforced: "require_approval",
        reasons: [
          {
            source: "access_rule",
            id: "x",
            decision: "require_approval",
            explanation:
              "needs approval: connector `stripe` requires approval for every action (preset `require_approval`)",
          },
        ],
        approval: { timeout_seconds: 300, approver_roles: ["owner", "admin", "member"] },
      },
      text: "needs approval: connector `stripe` requires approval for every action (preset `require_approval`); an owner, admin or member has 300 s to decide",
    },
    {
      name: "mentions rules that failed to evaluate",
      decision: {
        ...base,
        errors: [
          { id: "p", message: "x" },
          { id: "q", message: "y" },
        ],
      },
      text: "denied: policy `protect-main` rule `never touch main`: `parameters.ref` equals `heads/main`; 2 rules failed to evaluate and were skipped",
    },
    {
      name: "copes with a decision without reasons",
      decision: { ...base, reasons: [] },
      text: "denied: no reason was recorded",
    },
  ] satisfies { name: string; decision: Decision; text: string }[])("$name", ({ decision, text }) => {
    expect(explainDecision(decision)).toBe(text);
  });

  it("never throws on a malformed decision", () => {
    expect(() => explainDecision({} as Decision)).not.toThrow();
    expect(() => explainDecision(null as unknown as Decision)).not.toThrow();
  });
});
