import { describe, expect, it } from "vitest";
import { validatePolicyDocument } from "./validate.ts";

function errorsOf(input: unknown) {
  const r = validatePolicyDocument(input);
  return r.ok ? [] : r.errors;
}

describe("validatePolicyDocument", () => {
  it("accepts the example document of DESIGN.md and fills in defaults", () => {
    const r = validatePolicyDocument({
      version: 1,
      gateway: { name: "dev-bot", enforcement: "full" },
      connectors: [
        { type: "github", credential: { env: "GITHUB_TOKEN" } },
        {
          type: "generic",
          name: "internal",
          domains: ["api.example.com"],
          credential: { env: "EXAMPLE_KEY" },
        },
        { type: "stripe" },
      ],
      access_rules: [
        { connector: "github", preset: "read_only" },
        { connector: "github", action: "github.pr.*", decision: "allow" },
        { connector: "stripe", action: "stripe.refund.*", decision: "require_approval" },
      ],
      policies: [
        {
          name: "protect-main",
          scope: { actions: ["github.branch.delete", "github.pr.merge"], agents: ["*"] },
          priority: 10,
          rules: [
            {
              name: "never touch main",
              when: { any: [{ field: "parameters.ref", op: "equals", value: "heads/main" }] },
              decision: "deny",
            },
          ],
        },
      ],
      rate_limits: [{ action: "stripe.charge.create", per_agent: true, max: 10, window_seconds: 60 }],
    });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.document.policies[0]?.enabled).toBe(true);
      expect(r.document.approvals.timeout_seconds).toBe(300);
    }
  });

  it.each([
    {
      name: "an unknown operator, with the path to it",
      input: {
        version: 1,
        policies: [
          {
            name: "protect-main",
            rules: [
              { name: "r1", decision: "deny" },
              {
                name: "r2",
                decision: "deny",
                when: { any: [{ field: "parameters.x", op: "greater", value: 1 }] },
              },
            ],
          },
        ],
      },
      errors: [
        {
          path: "policies[0].rules[1].when.any[0].op",
          message: "policy `protect-main`: rule `r2`: unknown operator `greater`",
        },
      ],
    },
    {
      name: "`in` without a list",
      input: {
        version: 1,
        policies: [
          {
            name: "p",
            rules: [{ name: "r", decision: "deny", when: { field: "agent", op: "in", value: "bot" } }],
          },
        ],
      },
      errors: [
        {
          path: "policies[0].rules[0].when.value",
          message: "policy `p`: rule `r`: operator `in` needs a list of values, got a string",
        },
      ],
    },
    {
      name: "`gt` with a non-number",
      input: {
        version: 1,
        policies: [
          {
            name: "p",
            rules: [
              { name: "r", decision: "deny", when: { field: "parameters.amount", op: "gt", value: "50000" } },
            ],
          },
        ],
      },
      errors: [
        {
          path: "policies[0].rules[0].when.value",
          message: "policy `p`: rule `r`: operator `gt` needs a number value, got a string",
        },
      ],
    },
    {
      name: "an unknown enforcement level",
      input: { version: 1, gateway: { enforcement: "strict" } },
      errors: [
        {
          path: "gateway.enforcement",
          message: "gateway: `enforcement` must be one of `monitor`, `soft` or `full`, got `strict`",
        },
      ],
    },
    {
      name: "a wrong version",
      input: { version: 2 },
      errors: [{ path: "version", message: "`version` must be `1`, got `2`" }],
    },
    {
      name: "a version written as a string",
      input: { version: "1" },
      errors: [{ path: "version", message: "`version` must be `1`, got `1` (a string)" }],
    },
    {
      name: "a missing version",
      input: {},
      errors: [{ path: "version", message: "`version` is required; use `1`" }],
    },
    {
      name: "an unknown top-level key",
      input: { version: 1, polices: [] },
      errors: [{ path: "polices", message: "unknown key `polices`" }],
    },
    {
      name: "a policy without rules",
      input: { version: 1, policies: [{ name: "p", rules: [] }] },
      errors: [{ path: "policies[0].rules", message: "policy `p`: `rules` needs at least 1 item" }],
    },
    {
      name: "a wrong type deep inside",
      input: {
        version: 1,
        policies: [{ name: "p", priority: "high", rules: [{ name: "r", decision: "deny" }] }],
      },
      errors: [
        { path: "policies[0].priority", message: "policy `p`: `priority` must be a number, got a string" },
      ],
    },
    {
      name: "a risk score over 100",
      input: {
        version: 1,
        policies: [{ name: "p", rules: [{ name: "r", decision: "deny", risk_score: 101 }] }],
      },
      errors: [
        {
          path: "policies[0].rules[0].risk_score",
          message: "policy `p`: rule `r`: `risk_score` must be at most 100",
        },
      ],
    },
    {
      name: "duplicate connector names",
      input: { version: 1, connectors: [{ type: "github" }, { type: "github" }] },
      errors: [
        {
          path: "connectors[1].type",
          message: "connector `github`: duplicate connector name; give each connector a unique `name`",
        },
      ],
    },
    {
      name: "an access rule on an unknown connector",
      input: {
        version: 1,
        connectors: [{ type: "github" }],
        access_rules: [{ connector: "gh", preset: "allow_all" }],
      },
      errors: [
        { path: "access_rules[0].connector", message: "access rule `allow_all`: unknown connector `gh`" },
      ],
    },
    {
      name: "an access rule without a preset or pattern",
      input: { version: 1, connectors: [{ type: "github" }], access_rules: [{ connector: "github" }] },
      errors: [
        {
          path: "access_rules[0]",
          message:
            "access rule at index 0: an access rule needs a `preset`, or an `action` pattern with a `decision`",
        },
      ],
    },
    {
      name: "not a mapping",
      input: ["version", 1],
      errors: [
        { path: "", message: "a policy document is a mapping that starts with `version: 1`, got a list" },
      ],
    },
  ])("reports $name", ({ input, errors }) => {
    expect(errorsOf(input)).toEqual(errors);
  });

  it("reports condition errors and the other sections' semantic errors together with shape errors", () => {
    expect(
      errorsOf({
        version: 1,
        gateway: { enforcement: "strict" },
        connectors: [{ type: "github" }],
        access_rules: [{ connector: "github", action: "github.**", decision: "allow" }],
        policies: [
          {
            name: "p",
            rules: [{ name: "r", decision: "deny", when: { field: "x.y", op: "equals", value: 1 } }],
          },
          { name: "p", rules: [{ name: "r", decision: "deny" }] },
        ],
      }),
    ).toEqual([
      {
        path: "gateway.enforcement",
        message: "gateway: `enforcement` must be one of `monitor`, `soft` or `full`, got `strict`",
      },
      {
        path: "policies[0].rules[0].when.field",
        message:
          "policy `p`: rule `r`: unknown field `x.y`; a field starts with `type`, `connector`, `resource`, `parameters`, `risk`, `read`, `agent`",
      },
      {
        path: "access_rules[0].action",
        message:
          "access rule `github.**`: action pattern `github.**` has `**`; one `*` already matches any run of characters",
      },
      { path: "policies[1].name", message: "policy `p`: duplicate policy name; policy names must be unique" },
    ]);
  });

  it("never throws, whatever the input", () => {
    let deep: unknown = { field: "agent", op: "exists" };
    for (let i = 0; i < 50_000; i++) deep = { not: deep };
    const inputs: unknown[] = [
      undefined,
      null,
      "version: 1",
      42,
      { version: 1, policies: "x" },
      { version: 1, policies: [null, 1, { rules: [null, { when: null }] }] },
      { version: 1, policies: [{ name: "p", rules: [{ name: "r", decision: "deny", when: deep }] }] },
      Object.create(null),
    ];
    for (const input of inputs) expect(() => validatePolicyDocument(input)).not.toThrow();
  });
});
