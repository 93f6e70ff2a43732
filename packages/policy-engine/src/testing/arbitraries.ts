import type {
  AccessRule,
  Action,
  Condition,
  KillSwitch,
  Policy,
  PolicyDocument,
  PolicyDocumentInput,
  RateLimit,
} from "@tameflare/contracts";
import { policyDocumentSchema } from "@tameflare/contracts";
import fc from "fast-check";

/**
 * Random documents and actions over a small vocabulary, so that rules, scopes and
 * conditions actually match often (uniform random strings would almost never match).
 */
export const connectorNames = ["github", "stripe", "mcp"] as const;
const resources = ["pr", "repo", "charge", "tools"] as const;
const verbs = ["merge", "create", "delete", "get"] as const;
const agents = ["bot", "ci-1", "ci-2", "other"] as const;

export const actionTypeArb = fc
  .tuple(fc.constantFrom(...connectorNames), fc.constantFrom(...resources), fc.constantFrom(...verbs))
  .map(([c, r, v]) => `${c}.${r}.${v}`);

/** A glob derived from an action type: exact, prefix, suffix, middle or match-all. */
export const actionGlobArb = fc.oneof(
  actionTypeArb,
  actionTypeArb.map((t) => `${t.split(".").slice(0, 2).join(".")}.*`),
  actionTypeArb.map((t) => `${t.split(".")[0]}.*`),
  actionTypeArb.map((t) => `*.${t.split(".")[2]}`),
  actionTypeArb.map((t) => `${t.split(".")[0]}.*.${t.split(".")[2]}`),
  fc.constant("*"),
);

const decisionArb = fc.constantFrom("allow", "deny", "require_approval" as const);

const scalarPool = [
  "heads/main",
  "main",
  "dev",
  "abc",
  5,
  50,
  5000,
  "5000",
  "50",
  true,
  false,
  null,
  "a",
  "b",
] as const;
const safeRegexPool = ["^heads/", "main$", "^(dev|main)$", "\\d+", "^[a-c]+$", "a|b", "^$", "x?y"] as const;
const fieldPool = [
  "parameters.amount",
  "parameters.ref",
  "parameters.tags",
  "parameters.missing",
  "parameters.nested.x",
  "parameters.list.0",
  "agent",
  "type",
  "read",
  "risk",
  "resource",
  "connector",
] as const;

const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constantFrom("equals", "not_equals" as const),
    value: fc.constantFrom(...scalarPool),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constantFrom("in", "not_in" as const),
    value: fc.array(fc.constantFrom(...scalarPool), { maxLength: 3 }),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constantFrom("contains", "not_contains" as const),
    value: fc.constantFrom("a", "main", "heads", 5, true),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constantFrom("starts_with", "ends_with" as const),
    value: fc.constantFrom("heads/", "main", "", "github.", ".merge", "ci-"),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constant("matches" as const),
    value: fc.constantFrom(...safeRegexPool),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constantFrom("gt", "gte", "lt", "lte" as const),
    value: fc.constantFrom(0, 5, 50, 5000, -1, 49.5),
  }),
  fc.record({
    field: fc.constantFrom(...fieldPool),
    op: fc.constant("exists" as const),
    value: fc.constantFrom(true, false),
  }),
);

export const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.record({ all: fc.array(tie("c"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("c"), { maxLength: 3 }) }),
    fc.record({ not: tie("c") }),
  ),
})).c;

const accessRuleArb: fc.Arbitrary<AccessRule> = fc.oneof(
  fc.record({
    connector: fc.constantFrom(...connectorNames),
    preset: fc.constantFrom("allow_all", "read_only", "require_approval" as const),
  }),
  fc.record(
    {
      connector: fc.constantFrom(...connectorNames),
      action: actionGlobArb,
      decision: decisionArb,
      id: fc.constantFrom("r1", "r2"),
    },
    { requiredKeys: ["connector", "action", "decision"] },
  ),
);

const ruleArb = fc.record(
  {
    when: conditionArb,
    decision: decisionArb,
    risk_score: fc.integer({ min: 0, max: 100 }),
    approval: fc.record(
      {
        timeout_seconds: fc.integer({ min: 1, max: 3600 }),
        approver_roles: fc.subarray(["owner", "admin", "member", "viewer"] as const, { minLength: 1 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["decision"] },
);

const scopeArb = fc.record(
  {
    actions: fc.array(actionGlobArb, { minLength: 1, maxLength: 2 }),
    agents: fc.array(fc.constantFrom("bot", "ci-*", "*", "nobody"), { minLength: 1, maxLength: 2 }),
    gateways: fc.array(fc.constantFrom("gw", "other", "g*", "gw_1"), { minLength: 1, maxLength: 2 }),
    connectors: fc.subarray([...connectorNames], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const policyArb = fc.record(
  {
    id: fc.constantFrom("pol_a", "pol_b"),
    enabled: fc.boolean(),
    priority: fc.integer({ min: -2, max: 3 }),
    scope: scopeArb,
    rules: fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ["rules"] },
);

const rateLimitArb: fc.Arbitrary<RateLimit> = fc.record(
  {
    name: fc.constantFrom("rl-a", "rl-b"),
    action: actionGlobArb,
    per_agent: fc.boolean(),
    max: fc.integer({ min: 1, max: 3 }),
    window_seconds: fc.integer({ min: 1, max: 60 }),
  },
  { requiredKeys: ["action", "per_agent", "max", "window_seconds"] },
);

export const killSwitchArb: fc.Arbitrary<KillSwitch> = fc.oneof(
  fc.constant<KillSwitch>({ scope: "global" }),
  fc.constantFrom(...connectorNames).map((target): KillSwitch => ({ scope: "connector", target })),
  fc.constantFrom("gw", "gw_1", "elsewhere").map((target): KillSwitch => ({ scope: "gateway", target })),
);

/** A valid document: names made unique and at most one preset per connector. */
export const documentArb: fc.Arbitrary<PolicyDocument> = fc
  .record({
    enforcement: fc.constantFrom("monitor", "soft", "full" as const),
    access_rules: fc.array(accessRuleArb, { maxLength: 6 }),
    policies: fc.array(policyArb, { maxLength: 5 }),
    rate_limits: fc.array(rateLimitArb, { maxLength: 2 }),
    kill_switches: fc.oneof(
      { weight: 6, arbitrary: fc.constant<KillSwitch[]>([]) },
      { weight: 1, arbitrary: fc.array(killSwitchArb, { maxLength: 1 }) },
    ),
    timeout: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ enforcement, access_rules, policies, rate_limits, kill_switches, timeout }) => {
    const presets = new Set<string>();
    const rules = access_rules.filter((r) => {
      if (r.preset === undefined) return true;
      if (presets.has(r.connector)) return false;
      presets.add(r.connector);
      return true;
    });
    const ids = new Set<string>();
    const named: Policy[] = policies.map((p, i) => {
      const id = p.id !== undefined && !ids.has(p.id) ? p.id : undefined;
      if (id !== undefined) ids.add(id);
      return {
        ...p,
        id,
        name: `p${i}`,
        enabled: p.enabled ?? true,
        priority: p.priority ?? 0,
        scope: p.scope ?? {},
        rules: p.rules.map((r, j) => ({ ...r, name: `r${j}` })),
      };
    });
    const limitNames = new Set<string>();
    const limits = rate_limits.map((l) => {
      if (l.name === undefined || !limitNames.has(l.name)) {
        if (l.name !== undefined) limitNames.add(l.name);
        return l;
      }
      const { name: _dropped, ...rest } = l;
      return rest;
    });
    const input: PolicyDocumentInput = {
      version: 1,
      gateway: { name: "gw", enforcement },
      connectors: connectorNames.map((name) => ({ type: "generic" as const, name })),
      access_rules: rules,
      policies: named,
      rate_limits: limits,
      kill_switches,
      approvals: { timeout_seconds: timeout },
    };
    return policyDocumentSchema.parse(input);
  });

export const agentArb = fc.constantFrom(...agents);

/** Actions over the vocabulary, with parameters that the conditions look at. */
export const actionArb: fc.Arbitrary<Action> = fc
  .record({
    type: actionTypeArb,
    connectorMismatch: fc.boolean(),
    other: fc.constantFrom(...connectorNames),
    parameters: fc.record(
      {
        amount: fc.constantFrom(5, 50, 5000, 60000, "5000", "50", "abc", -3, 49.5),
        ref: fc.constantFrom("heads/main", "main", "dev", "heads/dev"),
        tags: fc.array(fc.constantFrom("a", "b", "main", 5), { maxLength: 3 }),
        nested: fc.record({ x: fc.constantFrom(1, "a", null) }),
        list: fc.array(fc.constantFrom("a", 5, "heads/main"), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    risk: fc.constantFrom("low", "medium", "high" as const),
    read: fc.boolean(),
    resource: fc.constantFrom("acme/web", "main", ""),
  })
  .map(({ type, connectorMismatch, other, parameters, risk, read, resource }) => ({
    type,
    connector: connectorMismatch ? other : (type.split(".")[0] as string),
    resource,
    parameters,
    risk,
    read,
  }));
