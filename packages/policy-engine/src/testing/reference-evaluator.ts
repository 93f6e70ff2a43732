/**
 * A naive, obviously-correct evaluator used only by the differential property test.
 * It shares no code with the engine: globs become RegExps, regexes run on JavaScript's
 * own engine, every rule is scanned linearly on every call, and each step is written
 * the way README.md states the semantics. When it and the compiled engine disagree on
 * a random policy, one of them is wrong.
 */
import type {
  AccessRule,
  Action,
  ApprovalSettings,
  Condition,
  DecisionKind,
  KillSwitch,
  PolicyDocument,
} from "@tameflare/contracts";

export interface ReferenceReason {
  source: string;
  id: string;
  rule: string | undefined;
  decision: DecisionKind;
}

export interface ReferenceDecision {
  decision: DecisionKind;
  enforced: DecisionKind;
  mode: string;
  default: boolean;
  flagged: boolean;
  risk_score: number;
  approval: { timeout_seconds: number; approver_roles: string[] } | undefined;
  retry_after_seconds: number | undefined;
  reasons: ReferenceReason[];
}

type Buckets = Record<string, Record<string, { tokens: number; updatedMs: number }>>;

export interface ReferenceContext {
  agent: string;
  nowMs: number;
  state: { limits: Buckets };
  killSwitches: KillSwitch[];
}

const rank = { allow: 0, require_approval: 1, deny: 2 } as const;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("[\\s\\S]*")}$`);
}

function globMatches(glob: string, subject: string): boolean {
  return globToRegExp(glob).test(subject);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.length > 64) return undefined;
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function same(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (typeof expected === "number" && typeof actual === "string") return toNumber(actual) === expected;
  if (typeof expected === "string" && typeof actual === "number")
    return Number.isFinite(actual) && toNumber(expected) === actual;
  return false;
}

function readField(path: string, action: Action, agent: string): unknown {
  const [root, ...rest] = path.split(".");
  const top: Record<string, unknown> = {
    type: action.type,
    connector: action.connector,
    resource: action.resource,
    parameters: action.parameters,
    risk: action.risk,
    read: action.read,
    agent,
  };
  let value: unknown = top[root as string];
  for (const key of rest) {
    if (typeof value !== "object" || value === null) return undefined;
    if (Array.isArray(value)) {
      value = /^(0|[1-9]\d{0,8})$/.test(key) ? value[Number(key)] : undefined;
    } else {
      value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    }
  }
  return value;
}

function holds(condition: Condition, action: Action, agent: string): boolean {
  if ("all" in condition) return condition.all.every((c) => holds(c, action, agent));
  if ("any" in condition) return condition.any.some((c) => holds(c, action, agent));
  if ("not" in condition) return !holds(condition.not, action, agent);
  const actual = readField(condition.field, action, agent);
  const value = condition.value;
  switch (condition.op) {
    case "equals":
      return same(actual, value);
    case "not_equals":
      return !same(actual, value);
    case "in":
      return (value as unknown[]).some((v) => same(actual, v));
    case "not_in":
      return !(value as unknown[]).some((v) => same(actual, v));
    case "contains":
      return typeof actual === "string"
        ? actual.includes(String(value))
        : Array.isArray(actual) && actual.some((item) => same(item, value));
    case "not_contains":
      return !(typeof actual === "string"
        ? actual.includes(String(value))
        : Array.isArray(actual) && actual.some((item) => same(item, value)));
    case "starts_with":
      return typeof actual === "string" && actual.startsWith(value as string);
    case "ends_with":
      return typeof actual === "string" && actual.endsWith(value as string);
    case "matches":
      return typeof actual === "string" && new RegExp(value as string).test(actual);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const n = toNumber(actual);
      if (n === undefined) return false;
      const bound = value as number;
      if (condition.op === "gt") return n > bound;
      if (condition.op === "gte") return n >= bound;
      if (condition.op === "lt") return n < bound;
      return n <= bound;
    }
    case "exists":
      return (actual !== undefined && actual !== null) === (value !== false);
  }
}

function specificityKey(glob: string): number[] {
  const star = glob.indexOf("*");
  const wildcards = glob.split("*").length - 1;
  return [wildcards === 0 ? 1 : 0, star === -1 ? glob.length : star, -wildcards, glob.length - wildcards];
}

function accessVerdict(
  rules: readonly AccessRule[],
  action: Action,
): { decision: DecisionKind; reason: ReferenceReason } | undefined {
  const candidates: { rule: AccessRule; index: number; key: number[] }[] = [];
  let preset: AccessRule | undefined;
  rules.forEach((rule, index) => {
    if (rule.connector !== action.connector) return;
    if (rule.preset !== undefined && rule.preset !== "custom") {
      preset = rule;
      return;
    }
    if (globMatches(rule.action as string, action.type)) {
      candidates.push({
        rule,
        index,
        key: [...specificityKey(rule.action as string), rank[rule.decision as DecisionKind], -index],
      });
    }
  });
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++)
      if (a.key[i] !== b.key[i]) return (b.key[i] as number) - (a.key[i] as number);
    return 0;
  });
  const best = candidates[0]?.rule ?? preset;
  if (best === undefined) return undefined;
  const presetName = best.preset !== undefined && best.preset !== "custom" ? best.preset : undefined;
  let decision: DecisionKind;
  if (presetName === "allow_all") decision = "allow";
  else if (presetName === "read_only") decision = action.read ? "allow" : "deny";
  else if (presetName === "require_approval") decision = "require_approval";
  else decision = best.decision as DecisionKind;
  return {
    decision,
    reason: {
      source: "access_rule",
      id: best.id ?? `${best.connector}:${presetName ?? best.action}`,
      rule: presetName !== undefined ? `preset:${presetName}` : best.action,
      decision,
    },
  };
}

function killSwitchHits(ks: KillSwitch, connector: string, gatewayNames: string[]): boolean {
  if (ks.scope === "global") return true;
  if (ks.target === undefined || ks.target === "") return true;
  if (ks.scope === "connector") return ks.target === connector;
  return gatewayNames.includes(ks.target);
}

function rateLimitIds(document: PolicyDocument): string[] {
  const ids: string[] = [];
  for (const limit of document.rate_limits) {
    let id =
      limit.name ?? `${limit.action}:${limit.max}/${limit.window_seconds}s${limit.per_agent ? "/agent" : ""}`;
    for (let n = 2; ids.includes(id); n++) id = `${limit.name ?? limit.action}#${n}`;
    ids.push(id);
  }
  return ids;
}

interface OneVerdict {
  decision: DecisionKind;
  reasons: ReferenceReason[];
  isDefault: boolean;
  killed: boolean;
  risk: number;
  approval: ApprovalSettings | undefined;
  retry: number | undefined;
}

function riskOf(action: Action): number {
  return action.risk === "low" ? 10 : action.risk === "high" ? 80 : 50;
}

function decideOne(
  document: PolicyDocument,
  gatewayNames: string[],
  action: Action,
  ctx: ReferenceContext,
): OneVerdict {
  const switches = [...document.kill_switches, ...ctx.killSwitches].filter((ks) =>
    killSwitchHits(ks, action.connector, gatewayNames),
  );
  const order = (ks: KillSwitch): number =>
    ks.scope === "global" || ks.target === undefined || ks.target === "" ? 0 : ks.scope === "gateway" ? 1 : 2;
  switches.sort((a, b) => order(a) - order(b));
  const ks = switches[0];
  if (ks !== undefined) {
    const global = order(ks) === 0;
    return {
      decision: "deny",
      reasons: [
        {
          source: "kill_switch",
          id:
            ks.id ??
            `kill-switch:${global ? "global" : ks.scope}${global || ks.target === undefined ? "" : `:${ks.target}`}`,
          rule: undefined,
          decision: "deny",
        },
      ],
      isDefault: false,
      killed: true,
      risk: riskOf(action),
      approval: undefined,
      retry: undefined,
    };
  }
  const entries: { reason: ReferenceReason; approval: ApprovalSettings | undefined }[] = [];
  const access = accessVerdict(document.access_rules, action);
  if (access !== undefined) entries.push({ reason: access.reason, approval: undefined });
  const policies = document.policies
    .map((policy, index) => ({ policy, index }))
    .filter(({ policy }) => policy.enabled)
    .filter(
      ({ policy }) =>
        policy.scope.gateways === undefined ||
        policy.scope.gateways.some((g) => gatewayNames.some((n) => globMatches(g, n))),
    )
    .filter(
      ({ policy }) =>
        policy.scope.actions === undefined || policy.scope.actions.some((g) => globMatches(g, action.type)),
    )
    .filter(
      ({ policy }) =>
        policy.scope.agents === undefined || policy.scope.agents.some((g) => globMatches(g, ctx.agent)),
    )
    .filter(
      ({ policy }) =>
        policy.scope.connectors === undefined || policy.scope.connectors.includes(action.connector),
    )
    .sort((a, b) => b.policy.priority - a.policy.priority || a.index - b.index);
  let ruleRisk: number | undefined;
  for (const { policy } of policies) {
    for (const rule of policy.rules) {
      if (rule.when !== undefined && !holds(rule.when, action, ctx.agent)) continue;
      if (rule.risk_score !== undefined) ruleRisk = Math.max(ruleRisk ?? 0, rule.risk_score);
      entries.push({
        reason: { source: "policy", id: policy.id ?? policy.name, rule: rule.name, decision: rule.decision },
        approval: rule.approval,
      });
    }
  }
  const risk = ruleRisk ?? riskOf(action);
  if (entries.length === 0) {
    return {
      decision: "deny",
      reasons: [{ source: "default", id: "default", rule: undefined, decision: "deny" }],
      isDefault: true,
      killed: false,
      risk,
      approval: undefined,
      retry: undefined,
    };
  }
  const decision = entries.map((e) => e.reason.decision).reduce((a, b) => (rank[b] > rank[a] ? b : a));
  const ordered = [
    ...entries.filter((e) => e.reason.decision === decision),
    ...entries.filter((e) => e.reason.decision !== decision),
  ];
  return {
    decision,
    reasons: ordered.map((e) => e.reason),
    isDefault: false,
    killed: false,
    risk,
    approval: decision === "require_approval" ? ordered[0]?.approval : undefined,
    retry: undefined,
  };
}

/** Evaluates like `evaluate()`, the slow and simple way. */
export function referenceEvaluate(
  document: PolicyDocument,
  gateway: { id?: string; name?: string },
  actions: Action[],
  ctx: ReferenceContext,
): { decision: ReferenceDecision; state: { limits: Buckets } } {
  const name = gateway.name ?? document.gateway.name;
  const gatewayNames = [name, document.gateway.name, ...(gateway.id === undefined ? [] : [gateway.id])];
  const verdicts = actions.map((a) => decideOne(document, gatewayNames, a, ctx));
  // The strictest action decides; a kill-switched deny before other denies; then the first.
  const weight = (v: OneVerdict): number => rank[v.decision] * 2 + (v.killed ? 1 : 0);
  const strictest = (): OneVerdict => verdicts.reduce((best, v) => (weight(v) > weight(best) ? v : best));
  let state = ctx.state;
  if (strictest().decision !== "deny") {
    const ids = rateLimitIds(document);
    const work: Buckets = structuredClone(ctx.state.limits);
    const touched = new Set<string>();
    let limited = false;
    for (let i = 0; i < actions.length && !limited; i++) {
      const action = actions[i] as Action;
      const verdict = verdicts[i] as OneVerdict;
      const limits = document.rate_limits
        .map((limit, index) => ({ limit, id: ids[index] as string }))
        .filter(({ limit }) => globMatches(limit.action, action.type));
      const now = ctx.nowMs;
      const tokensOf = (limit: (typeof limits)[number]): number => {
        const key = limit.limit.per_agent ? `agent:${ctx.agent}` : "all";
        const bucket = work[limit.id]?.[key];
        if (bucket === undefined) return limit.limit.max;
        const elapsed = now - bucket.updatedMs;
        const gained = elapsed > 0 ? (elapsed * limit.limit.max) / (limit.limit.window_seconds * 1000) : 0;
        return Math.min(limit.limit.max, bucket.tokens + gained);
      };
      const available = limits.map(tokensOf);
      const empty = limits
        .map((limit, k) => ({ limit, tokens: available[k] as number }))
        .filter(({ tokens }) => tokens < 1 - 1e-9)
        .map(({ limit, tokens }) => ({
          limit,
          retryMs: ((1 - tokens) * limit.limit.window_seconds * 1000) / limit.limit.max,
        }));
      if (empty.length > 0) {
        const worst = empty.reduce((a, b) => (b.retryMs > a.retryMs ? b : a));
        verdict.decision = "deny";
        verdict.reasons = [
          { source: "rate_limit", id: worst.limit.id, rule: worst.limit.limit.action, decision: "deny" },
          ...verdict.reasons,
        ];
        verdict.isDefault = false;
        verdict.approval = undefined;
        verdict.retry = Math.max(1, Math.ceil(worst.retryMs / 1000 - 1e-9));
        limited = true;
        break;
      }
      limits.forEach((limit, k) => {
        if (!touched.has(limit.id)) {
          touched.add(limit.id);
          const kept: Buckets[string] = {};
          for (const [key, bucket] of Object.entries(work[limit.id] ?? {})) {
            const elapsed = now - bucket.updatedMs;
            const gained =
              elapsed > 0 ? (elapsed * limit.limit.max) / (limit.limit.window_seconds * 1000) : 0;
            if (Math.min(limit.limit.max, bucket.tokens + gained) < limit.limit.max) kept[key] = bucket;
          }
          work[limit.id] = kept;
        }
        const key = limit.limit.per_agent ? `agent:${ctx.agent}` : "all";
        (work[limit.id] as Buckets[string])[key] = {
          tokens: Math.max(0, (available[k] as number) - 1),
          updatedMs: now,
        };
      });
    }
    if (!limited && touched.size > 0) state = { limits: work };
  }
  const deciding = strictest();
  // The deciding action's reasons as they are, then the others' reasons not yet listed.
  const reasons: ReferenceReason[] = [...deciding.reasons];
  for (const v of verdicts.filter((x) => x !== deciding)) {
    for (const r of v.reasons) {
      if (
        !reasons.some(
          (x) => x.source === r.source && x.id === r.id && x.rule === r.rule && x.decision === r.decision,
        )
      )
        reasons.push(r);
    }
  }
  const mode = document.gateway.enforcement;
  let enforced = deciding.decision;
  let flagged = false;
  if (!deciding.killed && mode === "monitor") {
    enforced = "allow";
    flagged = deciding.decision !== "allow";
  } else if (!deciding.killed && mode === "soft" && deciding.decision === "require_approval") {
    enforced = "allow";
    flagged = true;
  }
  return {
    decision: {
      decision: deciding.decision,
      enforced,
      mode,
      default: deciding.isDefault,
      flagged,
      risk_score: Math.max(...verdicts.map((v) => v.risk)),
      approval:
        deciding.decision === "require_approval"
          ? {
              timeout_seconds: deciding.approval?.timeout_seconds ?? document.approvals.timeout_seconds,
              approver_roles: deciding.approval?.approver_roles ?? ["owner", "admin", "member"],
            }
          : undefined,
      retry_after_seconds: deciding.retry,
      reasons,
    },
    state,
  };
}
