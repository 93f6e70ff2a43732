import type { Policy, PolicyDocumentInput } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import type { LocatedError } from "./errors.ts";
import type { ConditionInput } from "./field.ts";
import { explainMatch, type GatewayIdentity, PolicyIndex } from "./policies.ts";
import { doc } from "./testing/fixtures.ts";

const gateway: GatewayIdentity = { id: "gw_1", names: ["dev-bot"] };

function build(policies: PolicyDocumentInput["policies"]) {
  const errors: LocatedError[] = [];
  const parsed: Policy[] = doc({ policies }).policies;
  const index = PolicyIndex.build(parsed, new Set(["github", "stripe"]), gateway, errors);
  return { index, errors };
}

function input(type: string, extra: Partial<ConditionInput> = {}): ConditionInput {
  return {
    type,
    connector: type.split(".")[0] ?? "",
    resource: "",
    parameters: {},
    risk: "low",
    read: false,
    agent: "bot",
    ...extra,
  };
}

function matched(policies: PolicyDocumentInput["policies"], subject: ConditionInput): string[] {
  const { index, errors } = build(policies);
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  return index.match(subject, () => undefined).map((m) => `${m.policy.name}/${m.rule.name}`);
}

const always = (name: string, decision: "allow" | "deny" | "require_approval" = "deny") => ({
  name,
  decision,
});

describe("policy scope and order", () => {
  it("evaluates higher priority first, then document order", () => {
    const policies = [
      { name: "low", priority: 1, rules: [always("a")] },
      { name: "high", priority: 10, rules: [always("b"), always("c")] },
      { name: "low-too", priority: 1, rules: [always("d")] },
    ];
    expect(matched(policies, input("github.pr.merge"))).toEqual(["high/b", "high/c", "low/a", "low-too/d"]);
  });

  it.each([
    {
      name: "an exact action scope",
      scope: { actions: ["github.pr.merge"] },
      subject: input("github.pr.merge"),
      hit: true,
    },
    {
      name: "a glob action scope",
      scope: { actions: ["github.pr.*"] },
      subject: input("github.pr.merge"),
      hit: true,
    },
    {
      name: "an action scope that misses",
      scope: { actions: ["github.pr.*"] },
      subject: input("github.issue.create"),
      hit: false,
    },
    {
      name: "an agent glob",
      scope: { agents: ["ci-*"] },
      subject: input("github.pr.merge", { agent: "ci-7" }),
      hit: true,
    },
    {
      name: "an agent glob that misses",
      scope: { agents: ["ci-*"] },
      subject: input("github.pr.merge"),
      hit: false,
    },
    {
      name: "a connector scope",
      scope: { connectors: ["stripe"] },
      subject: input("github.pr.merge"),
      hit: false,
    },
    { name: "this gateway by id", scope: { gateways: ["gw_1"] }, subject: input("x.y"), hit: true },
    { name: "this gateway by name glob", scope: { gateways: ["dev-*"] }, subject: input("x.y"), hit: true },
    { name: "another gateway", scope: { gateways: ["prod-bot"] }, subject: input("x.y"), hit: false },
  ])("matches $name: $hit", ({ scope, subject, hit }) => {
    expect(matched([{ name: "p", scope, rules: [always("r")] }], subject)).toEqual(hit ? ["p/r"] : []);
  });

  it("skips disabled policies", () => {
    expect(matched([{ name: "off", enabled: false, rules: [always("r")] }], input("a.b"))).toEqual([]);
  });

  it("visits a policy once even when two of its action globs match", () => {
    const policies = [
      { name: "p", scope: { actions: ["github.*", "github.pr.*", "github.pr.merge"] }, rules: [always("r")] },
    ];
    expect(matched(policies, input("github.pr.merge"))).toEqual(["p/r"]);
  });

  it("merges scoped and unscoped policies in priority order", () => {
    const policies = [
      { name: "unscoped-low", priority: 0, rules: [always("a")] },
      { name: "scoped-mid", priority: 5, scope: { actions: ["github.*"] }, rules: [always("b")] },
      { name: "unscoped-high", priority: 9, rules: [always("c")] },
    ];
    expect(matched(policies, input("github.pr.merge"))).toEqual([
      "unscoped-high/c",
      "scoped-mid/b",
      "unscoped-low/a",
    ]);
  });

  it("skips a rule whose evaluation throws and reports it, keeping the others", () => {
    const { index } = build([
      {
        name: "p",
        rules: [
          { name: "boom", decision: "deny", when: { field: "parameters.x", op: "equals", value: 1 } },
          always("fine", "allow"),
        ],
      },
    ]);
    const hostile = input("a.b", {
      parameters: Object.defineProperty({}, "x", {
        enumerable: true,
        get() {
          throw new Error("getter exploded");
        },
      }),
    });
    const reported: string[] = [];
    const matches = index.match(hostile, (policy, rule, cause) =>
      reported.push(`${policy.name}/${rule.name}: ${String(cause)}`),
    );
    expect(matches.map((m) => m.rule.name)).toEqual(["fine"]);
    expect(reported).toEqual(["p/boom: Error: getter exploded"]);
  });
});

describe("policy explanations", () => {
  it("names the policy, the rule, the deciding condition and the reason", () => {
    const { index } = build([
      {
        name: "protect-main",
        rules: [
          {
            name: "never touch main",
            decision: "deny",
            reason: "main is protected",
            when: { any: [{ field: "parameters.ref", op: "equals", value: "heads/main" }] },
          },
        ],
      },
    ]);
    const subject = input("github.branch.delete", { parameters: { ref: "heads/main" } });
    const [m] = index.match(subject, () => undefined);
    expect(m && explainMatch(m, subject)).toBe(
      "denied: policy `protect-main` rule `never touch main`: `parameters.ref` equals `heads/main` (main is protected)",
    );
  });

  it("says a rule without `when` applies to everything in scope", () => {
    const { index } = build([{ name: "hold", rules: [always("all writes", "require_approval")] }]);
    const subject = input("a.b");
    const [m] = index.match(subject, () => undefined);
    expect(m && explainMatch(m, subject)).toBe(
      "needs approval: policy `hold` rule `all writes`: it applies to every action in the policy's scope",
    );
  });
});

describe("policy compile errors", () => {
  it.each([
    {
      name: "duplicate policy names",
      policies: [
        { name: "p", rules: [always("a")] },
        { name: "p", rules: [always("b")] },
      ],
      error: {
        segments: ["policies", 1, "name"],
        message: "policy `p`: duplicate policy name; policy names must be unique",
      },
    },
    {
      name: "duplicate rule names",
      policies: [{ name: "p", rules: [always("a"), always("a")] }],
      error: {
        segments: ["policies", 0, "rules", 1, "name"],
        message: "policy `p`: rule `a`: duplicate rule name in this policy",
      },
    },
    {
      name: "an unknown scope connector",
      policies: [{ name: "p", scope: { connectors: ["gh"] }, rules: [always("a")] }],
      error: {
        segments: ["policies", 0, "scope", "connectors", 0],
        message: "policy `p`: scope names unknown connector `gh`",
      },
    },
    {
      name: "a bad action glob",
      policies: [{ name: "p", scope: { actions: ["github.**"] }, rules: [always("a")] }],
      error: {
        segments: ["policies", 0, "scope", "actions", 0],
        message:
          "policy `p`: scope action pattern `github.**` has `**`; one `*` already matches any run of characters",
      },
    },
    {
      name: "an empty scope list",
      policies: [{ name: "p", scope: { agents: [] }, rules: [always("a")] }],
      error: {
        segments: ["policies", 0, "scope", "agents"],
        message: "policy `p`: `agents` is empty; leave it out to match everything",
      },
    },
    {
      name: "an unsafe regex in a disabled policy (disabled policies are still checked)",
      policies: [
        {
          name: "p",
          enabled: false,
          rules: [
            { name: "a", decision: "deny", when: { field: "resource", op: "matches", value: "(a|a)*" } },
          ],
        },
      ],
      error: {
        segments: ["policies", 0, "rules", 0, "when", "value"],
        message:
          "policy `p`: rule `a`: unsafe or invalid regex `(a|a)*`: it repeats an alternation whose branches `a` and `a` can start with the same character; ambiguous repetition can take exponential time",
      },
    },
  ] as { name: string; policies: PolicyDocumentInput["policies"]; error: LocatedError }[])(
    "reports $name",
    ({ policies, error }) => {
      expect(build(policies).errors).toEqual([error]);
    },
  );
});
