import type { Action, DecisionKind, PolicyDocumentInput } from "@tameflare/contracts";
import { decisionSchema } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.ts";
import { action, compiled, connectors } from "./testing/fixtures.ts";

type Doc = Omit<PolicyDocumentInput, "version">;

function decide(document: Doc, act: Action | Action[], agent = "bot") {
  const { decision } = evaluate(compiled(document), act, { agent, nowMs: 0 });
  expect(decisionSchema.safeParse(decision).success).toBe(true);
  return decision;
}

const policy = (decision: DecisionKind, extra: Record<string, unknown> = {}) => ({
  name: `policy-${decision}`,
  rules: [{ name: `rule-${decision}`, decision, ...extra }],
});

describe("combining access rules and policies (strictest wins; no verdict → default deny)", () => {
  const base: Doc = { connectors: connectors("github") };
  it.each([
    {
      name: "no access rule and no policy → default deny",
      access: undefined,
      policy: undefined,
      decision: "deny",
      source: "default",
      isDefault: true,
    },
    {
      name: "access allow alone → allow",
      access: "allow",
      policy: undefined,
      decision: "allow",
      source: "access_rule",
      isDefault: false,
    },
    {
      name: "access deny alone → deny",
      access: "deny",
      policy: undefined,
      decision: "deny",
      source: "access_rule",
      isDefault: false,
    },
    {
      name: "policy allow without an access rule → allow",
      access: undefined,
      policy: "allow",
      decision: "allow",
      source: "policy",
      isDefault: false,
    },
    {
      name: "policy require_approval without an access rule → require_approval",
      access: undefined,
      policy: "require_approval",
      decision: "require_approval",
      source: "policy",
      isDefault: false,
    },
    {
      name: "a policy allow never overrides an access deny",
      access: "deny",
      policy: "allow",
      decision: "deny",
      source: "access_rule",
      isDefault: false,
    },
    {
      name: "a policy deny overrides an access allow",
      access: "allow",
      policy: "deny",
      decision: "deny",
      source: "policy",
      isDefault: false,
    },
    {
      name: "a policy require_approval holds an access allow",
      access: "allow",
      policy: "require_approval",
      decision: "require_approval",
      source: "policy",
      isDefault: false,
    },
    {
      name: "an access require_approval beats a policy allow",
      access: "require_approval",
      policy: "allow",
      decision: "require_approval",
      source: "access_rule",
      isDefault: false,
    },
    {
      name: "equal verdicts: the access rule is listed first",
      access: "deny",
      policy: "deny",
      decision: "deny",
      source: "access_rule",
      isDefault: false,
    },
  ] as const)("$name", ({ access, policy: p, decision, source, isDefault }) => {
    const document: Doc = {
      ...base,
      access_rules:
        access === undefined ? [] : [{ connector: "github", action: "github.pr.merge", decision: access }],
      policies: p === undefined ? [] : [policy(p)],
    };
    const d = decide(document, action("github.pr.merge"));
    expect(d).toMatchObject({ decision, enforced: decision, default: isDefault });
    expect(d.reasons[0]?.source).toBe(source);
  });

  it("lists the deciding reasons first, then the others in evaluation order", () => {
    const d = decide(
      {
        ...base,
        access_rules: [{ connector: "github", preset: "allow_all" }],
        policies: [
          { name: "a", priority: 5, rules: [{ name: "ok", decision: "allow" }] },
          { name: "b", priority: 1, rules: [{ name: "no", decision: "deny" }] },
          { name: "c", priority: 9, rules: [{ name: "hold", decision: "require_approval" }] },
        ],
      },
      action("github.pr.merge"),
    );
    expect(d.reasons.map((r) => `${r.source}:${r.id}:${r.decision}`)).toEqual([
      "policy:b:deny",
      "access_rule:github:allow_all:allow",
      "policy:c:require_approval",
      "policy:a:allow",
    ]);
  });

  it("explains the default deny with the action and connector", () => {
    expect(decide(base, action("github.pr.merge")).reasons).toEqual([
      {
        source: "default",
        id: "default",
        decision: "deny",
        explanation: "denied: no access rule or policy allows `github.pr.merge` on connector `github`",
      },
    ]);
  });
});

describe("enforcement levels", () => {
  const withMode = (enforcement: "monitor" | "soft" | "full", d: DecisionKind): Doc => ({
    gateway: { name: "gw", enforcement },
    connectors: connectors("github"),
    access_rules: [{ connector: "github", action: "*", decision: d }],
  });
  it.each([
    { mode: "full", decision: "allow", enforced: "allow", flagged: false },
    { mode: "full", decision: "deny", enforced: "deny", flagged: false },
    { mode: "full", decision: "require_approval", enforced: "require_approval", flagged: false },
    { mode: "soft", decision: "allow", enforced: "allow", flagged: false },
    { mode: "soft", decision: "deny", enforced: "deny", flagged: false },
    { mode: "soft", decision: "require_approval", enforced: "allow", flagged: true },
    { mode: "monitor", decision: "allow", enforced: "allow", flagged: false },
    { mode: "monitor", decision: "deny", enforced: "allow", flagged: true },
    { mode: "monitor", decision: "require_approval", enforced: "allow", flagged: true },
  ] as const)(
    "$mode mode turns $decision into $enforced (flagged: $flagged)",
    ({ mode, decision, enforced, flagged }) => {
      expect(decide(withMode(mode, decision), action("github.pr.merge"))).toMatchObject({
        decision,
        enforced,
        flagged,
        mode,
      });
    },
  );

  it("enforces a kill switch even in monitor mode (an emergency stop is never softened)", () => {
    const d = decide(
      { ...withMode("monitor", "allow"), kill_switches: [{ scope: "global" }] },
      action("github.pr.merge"),
    );
    expect(d).toMatchObject({ decision: "deny", enforced: "deny", flagged: false });
    expect(d.reasons[0]?.source).toBe("kill_switch");
  });

  it("flags a monitor-mode default deny but lets it through", () => {
    const d = decide({ gateway: { name: "gw", enforcement: "monitor" } }, action("x.y"));
    expect(d).toMatchObject({ decision: "deny", enforced: "allow", default: true, flagged: true });
  });
});

describe("kill switches in evaluate", () => {
  const base: Doc = {
    gateway: { name: "dev-bot" },
    connectors: connectors("github", "stripe"),
    access_rules: [
      { connector: "github", preset: "allow_all" },
      { connector: "stripe", preset: "allow_all" },
    ],
  };
  it.each([
    {
      name: "a global switch stops every connector",
      ks: { scope: "global" },
      type: "stripe.charge.create",
      stopped: true,
    },
    {
      name: "a connector switch stops its connector",
      ks: { scope: "connector", target: "github" },
      type: "github.pr.merge",
      stopped: true,
    },
    {
      name: "a connector switch spares other connectors",
      ks: { scope: "connector", target: "github" },
      type: "stripe.charge.create",
      stopped: false,
    },
    {
      name: "a gateway switch for this gateway's name stops it",
      ks: { scope: "gateway", target: "dev-bot" },
      type: "github.pr.merge",
      stopped: true,
    },
    {
      name: "a gateway switch for another gateway does nothing",
      ks: { scope: "gateway", target: "prod-bot" },
      type: "github.pr.merge",
      stopped: false,
    },
  ] as const)("$name (document switch)", ({ ks, type, stopped }) => {
    const d = decide({ ...base, kill_switches: [ks] }, action(type));
    expect(d.decision).toBe(stopped ? "deny" : "allow");
    expect(d.reasons[0]?.source).toBe(stopped ? "kill_switch" : "access_rule");
  });

  it("applies runtime switches from the context and matches the gateway id from the compile options", () => {
    const c = compiled(base, { gateway: { id: "gw_9" } });
    const act = action("github.pr.merge");
    expect(
      evaluate(c, act, { agent: "a", nowMs: 0, killSwitches: [{ scope: "gateway", target: "gw_9" }] })
        .decision.decision,
    ).toBe("deny");
    expect(evaluate(c, act, { agent: "a", nowMs: 0, killSwitches: [] }).decision.decision).toBe("allow");
  });

  it("consumes no rate-limit tokens for a killed request", () => {
    const c = compiled({ ...base, rate_limits: [{ action: "*", max: 1, window_seconds: 60 }] });
    const r = evaluate(c, action("github.pr.merge"), {
      agent: "a",
      nowMs: 0,
      killSwitches: [{ scope: "global" }],
    });
    expect(r.rateState).toEqual({ limits: {} });
  });
});

describe("rate limits in evaluate", () => {
  const document: Doc = {
    connectors: connectors("stripe"),
    access_rules: [
      { connector: "stripe", action: "stripe.charge.*", decision: "allow" },
      { connector: "stripe", action: "stripe.refund.*", decision: "deny" },
      { connector: "stripe", action: "stripe.payout.*", decision: "require_approval" },
    ],
    rate_limits: [{ name: "money", action: "stripe.*", per_agent: true, max: 2, window_seconds: 60 }],
  };

  it("denies with source rate_limit and retry_after_seconds once the bucket is empty, and recovers on the clock", () => {
    const c = compiled(document);
    let state = evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 0 }).rateState;
    state = evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 0, rateState: state }).rateState;
    const third = evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 0, rateState: state });
    expect(third.decision).toMatchObject({ decision: "deny", retry_after_seconds: 30, default: false });
    expect(third.decision.reasons.map((r) => r.source)).toEqual(["rate_limit", "access_rule"]);
    expect(third.decision.reasons[0]?.explanation).toBe(
      "denied: rate limit `money` allows 2 `stripe.*` actions per 60 s per agent and is used up for agent `a`; retry in 30 s",
    );
    expect(third.rateState).toBe(state);
    expect(
      evaluate(c, action("stripe.charge.create"), { agent: "b", nowMs: 0, rateState: state }).decision
        .decision,
    ).toBe("allow");
    expect(
      evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 30_000, rateState: state }).decision
        .decision,
    ).toBe("allow");
  });

  it("does not consume for a request that is denied anyway, but does for a held one", () => {
    const c = compiled(document);
    const denied = evaluate(c, action("stripe.refund.create"), { agent: "a", nowMs: 0 });
    expect(denied.rateState).toEqual({ limits: {} });
    const held = evaluate(c, action("stripe.payout.create"), { agent: "a", nowMs: 0 });
    expect(held.decision.decision).toBe("require_approval");
    expect(held.rateState.limits.money?.["agent:a"]?.tokens).toBe(1);
  });

  it("never mutates the state it is given", () => {
    const c = compiled(document);
    const state = evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 0 }).rateState;
    const copy = structuredClone(state);
    evaluate(c, action("stripe.charge.create"), { agent: "a", nowMs: 1, rateState: state });
    expect(state).toEqual(copy);
  });
});

describe("batches (one request, several actions)", () => {
  const document: Doc = {
    connectors: connectors("mcp"),
    access_rules: [
      { connector: "mcp", action: "mcp.tools.read_*", decision: "allow" },
      { connector: "mcp", action: "mcp.tools.delete_*", decision: "deny" },
      { connector: "mcp", action: "mcp.tools.deploy", decision: "require_approval" },
    ],
    rate_limits: [{ action: "mcp.tools.read_*", max: 2, window_seconds: 60 }],
  };
  const read = action("mcp.tools.read_file", { connector: "mcp", risk: "low" });
  const del = action("mcp.tools.delete_repo", { connector: "mcp", risk: "high" });
  const deploy = action("mcp.tools.deploy", { connector: "mcp" });

  it.each([
    { name: "all allowed → allow", batch: [read, read], decision: "allow", first: "mcp:mcp.tools.read_*" },
    {
      name: "one deny → deny, its reason first",
      batch: [read, del, deploy],
      decision: "deny",
      first: "mcp:mcp.tools.delete_*",
    },
    {
      name: "one hold and the rest allowed → require_approval",
      batch: [read, deploy],
      decision: "require_approval",
      first: "mcp:mcp.tools.deploy",
    },
  ] as const)("$name", ({ batch, decision, first }) => {
    const d = decide(document, [...batch]);
    expect(d.decision).toBe(decision);
    expect(d.reasons[0]?.id).toBe(first);
  });

  it("takes the highest risk of the batch and lists each distinct reason once", () => {
    const d = decide(document, [read, read, del]);
    expect(d.risk_score).toBe(80);
    expect(d.reasons.map((r) => r.id)).toEqual(["mcp:mcp.tools.delete_*", "mcp:mcp.tools.read_*"]);
  });

  it("consumes rate-limit tokens for every action of an allowed batch, and none for a refused one", () => {
    const c = compiled(document);
    const first = evaluate(c, [read, read], { agent: "a", nowMs: 0 });
    expect(first.decision.decision).toBe("allow");
    expect(first.rateState.limits["mcp.tools.read_*:2/60s"]?.all?.tokens).toBe(0);
    const fresh = evaluate(c, [read, read, read], { agent: "a", nowMs: 0 });
    expect(fresh.decision).toMatchObject({ decision: "deny", retry_after_seconds: 30 });
    expect(fresh.decision.reasons[0]?.source).toBe("rate_limit");
    expect(fresh.rateState).toEqual({ limits: {} });
  });

  it("denies an empty batch", () => {
    const d = decide(document, []);
    expect(d).toMatchObject({
      decision: "deny",
      default: true,
      errors: [{ id: "action", message: "the request carries no action" }],
    });
  });
});

describe("risk scores and approvals", () => {
  const base: Doc = { connectors: connectors("stripe"), approvals: { timeout_seconds: 120 } };
  it.each([
    {
      name: "the max of the matched rules' risk scores",
      rules: [
        { name: "a", decision: "allow", risk_score: 30 },
        { name: "b", decision: "allow", risk_score: 70 },
      ],
      risk: "low",
      expected: 70,
    },
    {
      name: "the action's risk when no matched rule has a score (low)",
      rules: [{ name: "a", decision: "allow" }],
      risk: "low",
      expected: 10,
    },
    {
      name: "the action's risk when no matched rule has a score (medium)",
      rules: [{ name: "a", decision: "allow" }],
      risk: "medium",
      expected: 50,
    },
    {
      name: "the action's risk when no matched rule has a score (high)",
      rules: [{ name: "a", decision: "allow" }],
      risk: "high",
      expected: 80,
    },
    {
      name: "a matched rule's score even when it is lower than the action's",
      rules: [{ name: "a", decision: "allow", risk_score: 5 }],
      risk: "high",
      expected: 5,
    },
  ] as const)("risk_score is $name", ({ rules, risk, expected }) => {
    const d = decide(
      { ...base, policies: [{ name: "p", rules: [...rules] }] },
      action("stripe.charge.create", { risk }),
    );
    expect(d.risk_score).toBe(expected);
  });

  it("takes approval settings from the deciding rule", () => {
    const d = decide(
      {
        ...base,
        policies: [
          policy("require_approval", { approval: { timeout_seconds: 600, approver_roles: ["owner"] } }),
        ],
      },
      action("stripe.charge.create"),
    );
    expect(d.approval).toEqual({ timeout_seconds: 600, approver_roles: ["owner"] });
  });

  it("fills missing approval settings from the document and the default roles", () => {
    const d = decide(
      { ...base, access_rules: [{ connector: "stripe", preset: "require_approval" }] },
      action("stripe.charge.create"),
    );
    expect(d.approval).toEqual({ timeout_seconds: 120, approver_roles: ["owner", "admin", "member"] });
    const partial = decide(
      { ...base, policies: [policy("require_approval", { approval: { approver_roles: ["admin"] } })] },
      action("stripe.charge.create"),
    );
    expect(partial.approval).toEqual({ timeout_seconds: 120, approver_roles: ["admin"] });
  });

  it("has no approval unless the decision is require_approval", () => {
    expect(
      decide({ ...base, policies: [policy("deny")] }, action("stripe.charge.create")).approval,
    ).toBeUndefined();
  });
});

describe("evaluate is total", () => {
  const c = compiled({
    connectors: connectors("github"),
    access_rules: [{ connector: "github", preset: "allow_all" }],
    policies: [
      {
        name: "p",
        rules: [{ name: "r", decision: "deny", when: { field: "parameters.x", op: "equals", value: 1 } }],
      },
    ],
  });

  it("skips a rule that throws, reports it in errors and keeps deciding", () => {
    const hostile = action("github.pr.merge", {
      parameters: Object.defineProperty({}, "x", {
        enumerable: true,
        get() {
          throw new Error("boom");
        },
      }),
    });
    const d = evaluate(c, hostile, { agent: "a", nowMs: 0 }).decision;
    expect(d.decision).toBe("allow");
    expect(d.errors).toEqual([
      { id: "p", message: "policy `p`: rule `r`: failed to evaluate and was skipped: boom" },
    ]);
  });

  it.each([
    { name: "null", input: null, message: "the action is not an object" },
    { name: "a string", input: "github.pr.merge", message: "the action is not an object" },
    { name: "a missing type", input: { connector: "github" }, message: "the action has no `type`" },
    {
      name: "a missing connector",
      input: { type: "github.pr.merge" },
      message: "the action has no `connector`",
    },
  ])("denies a malformed action ($name) instead of throwing", ({ input, message }) => {
    const d = evaluate(c, input as unknown as Action, { agent: "a", nowMs: 0 }).decision;
    expect(d).toMatchObject({ decision: "deny", enforced: "deny", errors: [{ id: "action", message }] });
  });

  it("fails closed on a broken compiled policy", () => {
    const r = evaluate({} as never, action("github.pr.merge"), { agent: "a", nowMs: 0 });
    expect(r.decision).toMatchObject({ decision: "deny", enforced: "deny", mode: "full" });
    expect(r.decision.errors[0]?.id).toBe("engine");
  });

  it("tolerates a missing or odd context", () => {
    expect(evaluate(c, action("github.pr.merge"), undefined as never).decision.decision).toBe("allow");
    expect(
      evaluate(c, action("github.pr.merge"), {
        agent: 5,
        nowMs: "x",
        rateState: 7,
        killSwitches: "no",
      } as never).decision.decision,
    ).toBe("allow");
  });

  it("reads parameters only as own properties (no prototype tricks)", () => {
    const proto = compiled({
      connectors: connectors("github"),
      policies: [
        {
          name: "p",
          rules: [{ name: "r", decision: "allow", when: { field: "parameters.constructor", op: "exists" } }],
        },
      ],
    });
    expect(evaluate(proto, action("github.pr.merge"), { agent: "a", nowMs: 0 }).decision.default).toBe(true);
  });
});

describe("a kill switch in a batch", () => {
  it("decides the batch even when another action is denied first, so monitor mode cannot soften it", () => {
    const c = compiled({
      gateway: { name: "gw", enforcement: "monitor" },
      connectors: connectors("github", "slack"),
      access_rules: [{ connector: "github", action: "github.repo.delete", decision: "deny" }],
      kill_switches: [{ id: "ks", scope: "connector", target: "slack" }],
    });
    const d = evaluate(c, [action("github.repo.delete"), action("slack.message.send")], {
      agent: "a",
      nowMs: 0,
    }).decision;
    expect(d).toMatchObject({ decision: "deny", enforced: "deny", flagged: false });
    expect(d.reasons.map((r) => r.source)).toEqual(["kill_switch", "access_rule"]);
  });
});
