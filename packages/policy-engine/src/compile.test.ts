import { describe, expect, it } from "vitest";
import { compilePolicy } from "./compile.ts";
import { compiled, connectors, doc } from "./testing/fixtures.ts";

describe("compilePolicy", () => {
  it("counts what it compiled (disabled and other-gateway policies are not indexed)", () => {
    const c = compiled(
      {
        connectors: connectors("github", "stripe"),
        access_rules: [
          { connector: "github", preset: "read_only" },
          { connector: "stripe", action: "stripe.*", decision: "allow" },
        ],
        policies: [
          {
            name: "a",
            rules: [
              { name: "r", decision: "deny" },
              { name: "s", decision: "allow" },
            ],
          },
          { name: "off", enabled: false, rules: [{ name: "r", decision: "deny" }] },
          { name: "elsewhere", scope: { gateways: ["prod"] }, rules: [{ name: "r", decision: "deny" }] },
        ],
        rate_limits: [{ action: "stripe.*", max: 1, window_seconds: 1 }],
        kill_switches: [{ scope: "connector", target: "stripe" }],
      },
      { gateway: { id: "gw_1" } },
    );
    expect(c.counts).toEqual({
      connectors: 2,
      accessRules: 2,
      policies: 1,
      rules: 2,
      rateLimits: 1,
      killSwitches: 1,
    });
    expect(c.gateway).toEqual({ id: "gw_1", name: "local", enforcement: "full" });
  });

  it("uses the gateway name from the options over the document's", () => {
    const c = compiled({ gateway: { name: "dev-bot" } }, { gateway: { name: "renamed" } });
    expect(c.gateway.name).toBe("renamed");
  });

  it("repeats the semantic checks, so a bundle document is safe to compile directly", () => {
    const r = compilePolicy(
      doc({
        policies: [
          {
            name: "p",
            rules: [
              { name: "r", decision: "deny", when: { field: "resource", op: "matches", value: "(x+)*" } },
            ],
          },
        ],
      }),
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: "policies[0].rules[0].when.value",
          message:
            "policy `p`: rule `r`: unsafe or invalid regex `(x+)*`: it nests a quantifier inside a quantifier at `(x+)`; nested repetition can take exponential time",
        },
      ],
    });
  });

  it("reports instead of throwing when handed something that is not a validated document", () => {
    const r = compilePolicy({
      version: 1,
      policies: [{ name: "p", scope: { actions: 5 }, rules: [] }],
    } as never);
    expect(r.ok).toBe(false);
    expect(compilePolicy(null as never).ok).toBe(false);
  });

  it("compiles 10,000 rules into an index (the benchmark measures the time)", () => {
    const policies = Array.from({ length: 2_000 }, (_, i) => ({
      name: `p${i}`,
      scope: { actions: [`svc${i % 50}.res${i}.*`] },
      rules: Array.from({ length: 5 }, (_, j) => ({
        name: `r${j}`,
        decision: "deny" as const,
        when: { field: "parameters.amount", op: "gt" as const, value: j * 100 },
      })),
    }));
    expect(compiled({ policies }).counts.rules).toBe(10_000);
  });
});
