import { describe, expect, it } from "vitest";
import { type CorpusRunner, loadCorpus, mismatches } from "./corpus.ts";
import { engineRunner } from "./engine-runner.ts";

const corpus = loadCorpus();

describe("policy conformance corpus (policy engine)", () => {
  it("has at least 60 cases covering every reason source", () => {
    const steps = corpus.cases.flatMap((c) => c.steps);
    expect(corpus.cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(steps.map((s) => s.expect.source))).toEqual(
      new Set(["kill_switch", "access_rule", "policy", "rate_limit", "default"]),
    );
  });

  it.each(corpus.cases.map((c) => ({ label: `${c.file}: ${c.name}`, c })))("$label", async ({ c }) => {
    const outcomes = await engineRunner.decide(corpus.policies.get(c.policy) as string, c);
    const problems = c.steps.flatMap((step, i) =>
      mismatches(step.expect, outcomes[i] as (typeof outcomes)[number]).map((m) => `step ${i}: ${m}`),
    );
    expect(problems).toEqual([]);
  });
});

describe("the corpus can fail", () => {
  it("flags a runner that allows everything", async () => {
    const allowAll: CorpusRunner = {
      name: "allow-all",
      decide: async (_doc, c) =>
        c.steps.map(() => ({
          decision: "allow",
          enforced: "allow",
          source: "access_rule",
          default: false,
          flagged: false,
        })),
    };
    let failing = 0;
    for (const c of corpus.cases) {
      const outcomes = await allowAll.decide(corpus.policies.get(c.policy) as string, c);
      if (
        c.steps.some(
          (step, i) => mismatches(step.expect, outcomes[i] as (typeof outcomes)[number]).length > 0,
        )
      )
        failing++;
    }
    expect(failing).toBeGreaterThan(corpus.cases.length / 2);
  });
});
