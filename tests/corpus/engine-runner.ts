import type { Decision } from "@tameflare/contracts";
import { compilePolicy, evaluate, parsePolicyYaml, type RateLimitState } from "@tameflare/policy-engine";
import type { CorpusCase, CorpusOutcome, CorpusRunner } from "./corpus.ts";

/** Reduces a decision to what the corpus checks. */
export function outcomeOf(decision: Decision): CorpusOutcome {
  const first = decision.reasons[0];
  const outcome: CorpusOutcome = {
    decision: decision.decision,
    enforced: decision.enforced,
    source: first?.source,
    default: decision.default,
    flagged: decision.flagged,
  };
  if (decision.retry_after_seconds !== undefined) outcome.retry_after_seconds = decision.retry_after_seconds;
  if (first?.rule !== undefined) outcome.rule = first.rule;
  if (first !== undefined) outcome.id = first.id;
  return outcome;
}

/**
 * Runs the corpus through the policy engine directly: parse the YAML, compile, then
 * evaluate each step's actions on the step's clock, threading the rate-limit state.
 * Uses the cases' `action`s (the `request`s are for runners that go through connectors).
 */
export const engineRunner: CorpusRunner = {
  name: "policy-engine",
  async decide(doc: string, testCase: CorpusCase): Promise<CorpusOutcome[]> {
    const parsed = parsePolicyYaml(doc);
    if (!parsed.ok) throw new Error(`policy ${testCase.policy} is invalid: ${JSON.stringify(parsed.errors)}`);
    const compiled = compilePolicy(parsed.document, { gateway: testCase.gateway });
    if (!compiled.ok)
      throw new Error(`policy ${testCase.policy} does not compile: ${JSON.stringify(compiled.errors)}`);
    let rateState: RateLimitState | undefined;
    const outcomes: CorpusOutcome[] = [];
    for (const step of testCase.steps) {
      const result = evaluate(
        compiled.compiled,
        step.batch ? step.actions : (step.actions[0] as (typeof step.actions)[0]),
        {
          agent: step.agent,
          nowMs: step.nowMs,
          rateState,
          killSwitches: testCase.killSwitches,
        },
      );
      rateState = result.rateState;
      outcomes.push(outcomeOf(result.decision));
    }
    return outcomes;
  },
};
