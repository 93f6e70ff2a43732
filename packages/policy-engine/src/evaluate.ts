import type {
  Action,
  ApprovalSettings,
  Decision,
  DecisionKind,
  DecisionReason,
  KillSwitch,
  Role,
} from "@tameflare/contracts";
import type { CompiledPolicy } from "./compile.ts";
import type { ConditionInput } from "./field.ts";
import { code } from "./format.ts";
import { findKillSwitch, killSwitchReason } from "./kill-switch.ts";
import { explainMatch } from "./policies.ts";
import { emptyRateLimitState, type RateLimitState, RateStateDraft } from "./rate-limit.ts";
import { strictness } from "./strictness.ts";

/** What `evaluate` needs besides the action: who asks, when, and the caller-owned state. */
export interface EvaluationContext {
  /** The agent's name (from its proxy credentials). */
  agent: string;
  /** The injected clock, in milliseconds since the epoch; drives the token buckets. */
  nowMs: number;
  /** Rate-limit state from the previous evaluation; absent means every bucket is full. */
  rateState?: RateLimitState;
  /** Runtime kill switches (from `tf kill` or the dashboard), in addition to the document's. */
  killSwitches?: readonly KillSwitch[];
}

/** The outcome of one evaluation. */
export interface Evaluation {
  decision: Decision;
  /** The state to keep for the next evaluation; the input state is never mutated. */
  rateState: RateLimitState;
}

/** Roles that may decide an approval when the deciding rule names none. */
export const defaultApproverRoles: readonly Role[] = ["owner", "admin", "member"];

const riskByLevel: Record<string, number> = { low: 10, medium: 50, high: 80 };

interface Verdict {
  decision: DecisionKind;
  reasons: DecisionReason[];
  isDefault: boolean;
  killed: boolean;
  riskScore: number;
  /** Approval settings of the deciding rule when it is a policy rule that has them. */
  approval: ApprovalSettings | undefined;
  errors: { id: string; message: string }[];
  input: ConditionInput | undefined;
  retryAfterSeconds: number | undefined;
}

/**
 * Decides on one action, or on a batch (a JSON-RPC batch is one request of several
 * actions). Order per action: kill switch → access rules and condition policies
 * (combined strictest-wins; no verdict from either → default deny) → rate limits (only
 * when the result is allow or require_approval) → the gateway's enforcement level.
 * For a batch the strictest action decides and its reasons come first; rate limits
 * consume for every action of the batch or for none.
 *
 * Pure and total: no IO, no clock (use `context.nowMs`), never throws, never mutates its
 * inputs. A rule that throws is skipped and listed in `decision.errors`; anything else
 * unexpected yields a deny (fail closed).
 */
export function evaluate(
  compiled: CompiledPolicy,
  actions: Action | readonly Action[],
  context: EvaluationContext,
): Evaluation {
  try {
    return evaluateUnsafe(compiled, actions, context);
  } catch (cause) {
    return failClosed(compiled, context, cause);
  }
}

function evaluateUnsafe(
  compiled: CompiledPolicy,
  actions: Action | readonly Action[],
  context: EvaluationContext,
): Evaluation {
  const list: readonly unknown[] = Array.isArray(actions) ? actions : [actions];
  const agent = typeof context?.agent === "string" ? context.agent : "";
  const nowMs = typeof context?.nowMs === "number" ? context.nowMs : Number.NaN;
  const draft = new RateStateDraft(context?.rateState, nowMs);
  if (list.length === 0) {
    const verdict = malformed("the request carries no action");
    return { decision: finish(compiled, verdict, [verdict], []), rateState: draft.base };
  }
  const extraKills = Array.isArray(context?.killSwitches) ? context.killSwitches : undefined;
  const verdicts = list.map((action) => decideOne(compiled, action, agent, extraKills));
  let deciding = pickDeciding(verdicts);
  let rateState = draft.base;
  if (deciding.decision !== "deny") {
    let limited = false;
    for (const verdict of verdicts) {
      const input = verdict.input;
      if (input === undefined) continue;
      const limits = compiled.rateLimits.matching(input.type);
      if (limits.length === 0) continue;
      const hit = draft.tryConsume(limits, agent);
      if (hit !== undefined) {
        verdict.decision = "deny";
        verdict.reasons = [hit.reason, ...verdict.reasons];
        verdict.isDefault = false;
        verdict.approval = undefined;
        verdict.retryAfterSeconds = hit.retryAfterSeconds;
        limited = true;
        break;
      }
    }
    // A rate-limited request consumes nothing: it is denied as a whole.
    rateState = limited ? draft.base : draft.finish();
    if (limited) deciding = pickDeciding(verdicts);
  }
  if (verdicts.length === 1) return { decision: finish(compiled, deciding, verdicts, []), rateState };
  const others = verdicts.filter((v) => v !== deciding);
  const errors = verdicts.flatMap((v) => v.errors);
  return { decision: finish(compiled, deciding, verdicts, others, errors), rateState };
}

/**
 * The action that decides a batch: the strictest, a kill-switched one before any other
 * deny (so no enforcement level can soften a batch that a kill switch stopped), then the
 * first in the batch.
 */
function pickDeciding(verdicts: readonly Verdict[]): Verdict {
  const weight = (v: Verdict): number => strictness(v.decision) * 2 + (v.killed ? 1 : 0);
  let best = verdicts[0] as Verdict;
  for (const v of verdicts) if (weight(v) > weight(best)) best = v;
  return best;
}

function finish(
  compiled: CompiledPolicy,
  deciding: Verdict,
  all: readonly Verdict[],
  others: readonly Verdict[],
  errors: { id: string; message: string }[] = deciding.errors,
): Decision {
  // Several actions of a batch often hit the same rule: the deciding action's reasons
  // come first, then the other actions' reasons that are not already listed.
  if (others.length === 0) return buildDecision(compiled, deciding, all, deciding.reasons, errors);
  const seen = new Set<string>();
  for (const reason of deciding.reasons) {
    seen.add(`${reason.source}\u0000${reason.id}\u0000${reason.rule ?? ""}\u0000${reason.decision}`);
  }
  const reasons: DecisionReason[] = [...deciding.reasons];
  for (const verdict of others) {
    for (const reason of verdict.reasons) {
      const key = `${reason.source}\u0000${reason.id}\u0000${reason.rule ?? ""}\u0000${reason.decision}`;
      if (seen.has(key)) continue;
      seen.add(key);
      reasons.push(reason);
    }
  }
  return buildDecision(compiled, deciding, all, reasons, errors);
}

function buildDecision(
  compiled: CompiledPolicy,
  deciding: Verdict,
  all: readonly Verdict[],
  reasons: DecisionReason[],
  errors: { id: string; message: string }[],
): Decision {
  let riskScore = 0;
  for (const v of all) riskScore = Math.max(riskScore, v.riskScore);
  const mode = compiled.gateway.enforcement;
  const decisionKind = deciding.decision;
  let enforced: DecisionKind = decisionKind;
  let flagged = false;
  if (!deciding.killed) {
    // A kill switch is an emergency stop: it is enforced in every mode (the gateway also
    // applies it before any connector parsing), so only rule decisions are softened here.
    if (mode === "monitor") {
      enforced = "allow";
      flagged = decisionKind !== "allow";
    } else if (mode === "soft" && decisionKind === "require_approval") {
      enforced = "allow";
      flagged = true;
    }
  }
  const decision: Decision = {
    decision: decisionKind,
    enforced,
    mode,
    default: deciding.isDefault,
    reasons,
    risk_score: riskScore,
    flagged,
    errors,
  };
  if (decisionKind === "require_approval") {
    decision.approval = {
      timeout_seconds: deciding.approval?.timeout_seconds ?? compiled.approvalTimeoutSeconds,
      approver_roles: [...(deciding.approval?.approver_roles ?? defaultApproverRoles)],
    };
  }
  if (deciding.retryAfterSeconds !== undefined) decision.retry_after_seconds = deciding.retryAfterSeconds;
  return decision;
}

function riskOf(level: unknown): number {
  return typeof level === "string" && Object.hasOwn(riskByLevel, level) ? (riskByLevel[level] as number) : 50;
}

function malformed(message: string): Verdict {
  return {
    decision: "deny",
    reasons: [{ source: "default", id: "default", decision: "deny", explanation: `denied: ${message}` }],
    isDefault: true,
    killed: false,
    riskScore: 50,
    approval: undefined,
    errors: [{ id: "action", message }],
    input: undefined,
    retryAfterSeconds: undefined,
  };
}

function decideOne(
  compiled: CompiledPolicy,
  raw: unknown,
  agent: string,
  extraKills: readonly KillSwitch[] | undefined,
): Verdict {
  if (typeof raw !== "object" || raw === null) return malformed("the action is not an object");
  const action = raw as Record<string, unknown>;
  const { type, connector } = action;
  if (typeof type !== "string" || type === "") return malformed("the action has no `type`");
  if (typeof connector !== "string" || connector === "") return malformed("the action has no `connector`");
  const rawParameters = action.parameters;
  const input: ConditionInput = {
    type,
    connector,
    resource: typeof action.resource === "string" ? action.resource : "",
    parameters:
      typeof rawParameters === "object" && rawParameters !== null && !Array.isArray(rawParameters)
        ? (rawParameters as Record<string, unknown>)
        : {},
    risk: action.risk,
    read: action.read === true,
    agent,
  };
  const baseRisk = riskOf(action.risk);

  const ks = findKillSwitch(compiled.killSwitches, extraKills, connector, compiled.identity);
  if (ks !== undefined) {
    return {
      decision: "deny",
      reasons: [killSwitchReason(ks)],
      isDefault: false,
      killed: true,
      riskScore: baseRisk,
      approval: undefined,
      errors: [],
      input: undefined,
      retryAfterSeconds: undefined,
    };
  }

  const errors: { id: string; message: string }[] = [];
  const access = compiled.access.decide(input);
  const matches = compiled.policies.match(input, (policy, rule, cause) => {
    errors.push({
      id: policy.id,
      message: `policy ${code(policy.name)}: rule ${code(rule.name)}: failed to evaluate and was skipped: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    });
  });

  const entries: { reason: DecisionReason; approval: ApprovalSettings | undefined }[] = [];
  if (access !== undefined) entries.push({ reason: access.reason, approval: undefined });
  let ruleRisk: number | undefined;
  for (const match of matches) {
    const { policy, rule } = match;
    if (rule.riskScore !== undefined) ruleRisk = Math.max(ruleRisk ?? 0, rule.riskScore);
    let explanation: string;
    try {
      explanation = explainMatch(match, input);
    } catch (cause) {
      // The rule matched; only its wording failed (odd parameter objects). Keep the decision.
      explanation = `${rule.decision === "allow" ? "allowed" : rule.decision === "deny" ? "denied" : "needs approval"}: policy ${code(policy.name)} rule ${code(rule.name)}`;
      errors.push({
        id: policy.id,
        message: `policy ${code(policy.name)}: rule ${code(rule.name)}: could not be explained: ${String(cause)}`,
      });
    }
    entries.push({
      reason: { source: "policy", id: policy.id, rule: rule.name, decision: rule.decision, explanation },
      approval: rule.approval,
    });
  }
  const riskScore = ruleRisk ?? baseRisk;

  if (entries.length === 0) {
    return {
      decision: "deny",
      reasons: [
        {
          source: "default",
          id: "default",
          decision: "deny",
          explanation: `denied: no access rule or policy allows ${code(type)} on connector ${code(connector)}`,
        },
      ],
      isDefault: true,
      killed: false,
      riskScore,
      approval: undefined,
      errors,
      input,
      retryAfterSeconds: undefined,
    };
  }
  let decision: DecisionKind = "allow";
  for (const e of entries)
    if (strictness(e.reason.decision) > strictness(decision)) decision = e.reason.decision;
  // Deciding reasons first (in evaluation order), then the others.
  const reasons: DecisionReason[] = [];
  let approval: ApprovalSettings | undefined;
  let first = true;
  for (const e of entries) {
    if (e.reason.decision !== decision) continue;
    reasons.push(e.reason);
    if (first) approval = e.approval;
    first = false;
  }
  for (const e of entries) if (e.reason.decision !== decision) reasons.push(e.reason);
  return {
    decision,
    reasons,
    isDefault: false,
    killed: false,
    riskScore,
    approval: decision === "require_approval" ? approval : undefined,
    errors,
    input,
    retryAfterSeconds: undefined,
  };
}

function failClosed(compiled: unknown, context: unknown, cause: unknown): Evaluation {
  const gateway = (compiled as { gateway?: { enforcement?: unknown } } | undefined)?.gateway;
  const mode =
    gateway?.enforcement === "monitor" || gateway?.enforcement === "soft" ? gateway.enforcement : "full";
  const state = (context as { rateState?: unknown } | undefined)?.rateState;
  const message = `the policy engine could not evaluate the request: ${cause instanceof Error ? cause.message : String(cause)}`;
  return {
    decision: {
      decision: "deny",
      enforced: "deny",
      mode,
      default: false,
      reasons: [{ source: "default", id: "engine", decision: "deny", explanation: `denied: ${message}` }],
      risk_score: 50,
      flagged: false,
      errors: [{ id: "engine", message }],
    },
    rateState: safeState(state),
  };
}

function safeState(state: unknown): RateLimitState {
  try {
    return new RateStateDraft(state, 0).base;
  } catch (cause) {
    // Even the state can be hostile (a throwing getter); the fail-closed path must still return.
    return cause === undefined ? emptyRateLimitState : emptyRateLimitState;
  }
}
