import type { Action, Decision, KillSwitch, PolicyDocument } from "@tameflare/contracts";
import { decisionSchema } from "@tameflare/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "./compile.ts";
import { type EvaluationContext, evaluate } from "./evaluate.ts";
import { explainDecision } from "./explain.ts";
import { emptyRateLimitState, type RateLimitState } from "./rate-limit.ts";
import { strictness } from "./strictness.ts";
import { actionArb, agentArb, documentArb, killSwitchArb } from "./testing/arbitraries.ts";
import { type ReferenceContext, referenceEvaluate } from "./testing/reference-evaluator.ts";
import { validatePolicyDocument } from "./validate.ts";
import { parsePolicyYaml } from "./yaml.ts";

const gatewayOptions = { gateway: { id: "gw_1" } };

function compileOrThrow(document: PolicyDocument) {
  const r = compilePolicy(document, gatewayOptions);
  if (!r.ok) throw new Error(`a generated document did not compile: ${JSON.stringify(r.errors)}`);
  return r.compiled;
}

const requestArb = fc.oneof(
  { weight: 4, arbitrary: actionArb.map((a): Action | Action[] => a) },
  { weight: 1, arbitrary: fc.array(actionArb, { minLength: 1, maxLength: 3 }) },
);

const stepArb = fc.record({
  request: requestArb,
  agent: agentArb,
  advanceMs: fc.constantFrom(0, 0, 1, 500, 20_000, 61_000),
  kills: fc.oneof(
    { weight: 8, arbitrary: fc.constant<KillSwitch[]>([]) },
    { weight: 1, arbitrary: fc.array(killSwitchArb, { maxLength: 1 }) },
  ),
});

// Property runs are CPU-bound and the machine is shared: allow them time instead of failing on load.
describe("evaluate (properties)", { timeout: 120_000 }, () => {
  it("never throws and always returns a schema-valid decision, on generated documents and arbitrary actions", () => {
    fc.assert(
      fc.property(documentArb, fc.oneof(actionArb, fc.anything()), fc.anything(), (document, act, ctx) => {
        const compiled = compileOrThrow(document);
        const r1 = evaluate(compiled, act as Action, { agent: "bot", nowMs: 0 });
        expect(decisionSchema.safeParse(r1.decision).success).toBe(true);
        const r2 = evaluate(compiled, act as Action, ctx as EvaluationContext);
        expect(decisionSchema.safeParse(r2.decision).success).toBe(true);
        expect(typeof explainDecision(r2.decision)).toBe("string");
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on actions whose parameters are arbitrary values", () => {
    fc.assert(
      fc.property(
        documentArb,
        actionArb,
        fc.dictionary(fc.string(), fc.anything()),
        (document, act, parameters) => {
          const r = evaluate(compileOrThrow(document), { ...act, parameters }, { agent: "bot", nowMs: 1 });
          expect(decisionSchema.safeParse(r.decision).success).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("validation, YAML parsing and compilation never throw on arbitrary input", () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (input, text) => {
        validatePolicyDocument(input);
        validatePolicyDocument({ version: 1, policies: [input], access_rules: [input], rate_limits: input });
        parsePolicyYaml(text);
        compilePolicy(input as PolicyDocument);
      }),
      { numRuns: 500 },
    );
  });

  it("adding a matching deny rule never makes a decision less strict (policy or access rule)", () => {
    fc.assert(
      fc.property(
        documentArb,
        actionArb,
        agentArb,
        fc.integer({ min: -5, max: 5 }),
        fc.boolean(),
        (document, act, agent, priority, viaAccess) => {
          const ctx = { agent, nowMs: 0 };
          const before = evaluate(compileOrThrow(document), act, ctx).decision;
          const stricter: PolicyDocument = viaAccess
            ? {
                ...document,
                access_rules: [
                  ...document.access_rules,
                  { connector: act.connector, action: act.type, decision: "deny" },
                ],
              }
            : {
                ...document,
                policies: [
                  ...document.policies,
                  {
                    name: "added-deny",
                    enabled: true,
                    priority,
                    scope: { actions: [act.type] },
                    rules: [{ name: "deny-it", decision: "deny" }],
                  },
                ],
              };
          const after = evaluate(compileOrThrow(stricter), act, ctx).decision;
          expect(after.decision).toBe("deny");
          expect(strictness(after.decision)).toBeGreaterThanOrEqual(strictness(before.decision));
          expect(strictness(after.enforced)).toBeGreaterThanOrEqual(strictness(before.enforced));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("agrees with the naive reference evaluator on random documents and request sequences", () => {
    fc.assert(
      fc.property(documentArb, fc.array(stepArb, { minLength: 1, maxLength: 5 }), (document, steps) => {
        const compiled = compileOrThrow(document);
        let nowMs = 1_700_000_000_000;
        let engineState: RateLimitState = emptyRateLimitState;
        let referenceState: ReferenceContext["state"] = { limits: {} };
        for (const step of steps) {
          nowMs += step.advanceMs;
          const actions = Array.isArray(step.request) ? step.request : [step.request];
          const engine = evaluate(compiled, step.request, {
            agent: step.agent,
            nowMs,
            rateState: engineState,
            killSwitches: step.kills,
          });
          const reference = referenceEvaluate(document, gatewayOptions.gateway, actions, {
            agent: step.agent,
            nowMs,
            state: referenceState,
            killSwitches: step.kills,
          });
          expect(comparable(engine.decision)).toEqual(reference.decision);
          expect(JSON.parse(JSON.stringify(engine.rateState))).toEqual(reference.state);
          engineState = engine.rateState;
          referenceState = reference.state;
        }
      }),
      { numRuns: 600 },
    );
  });
});

function comparable(d: Decision) {
  return {
    decision: d.decision,
    enforced: d.enforced,
    mode: d.mode,
    default: d.default,
    flagged: d.flagged,
    risk_score: d.risk_score,
    approval: d.approval,
    retry_after_seconds: d.retry_after_seconds,
    reasons: d.reasons.map((r) => ({ source: r.source, id: r.id, rule: r.rule, decision: r.decision })),
  };
}
