import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Action } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  jsonLines,
  makeWorkspace,
  prepareTf,
  runTf,
  tfEnv,
  type Workspace,
} from "../../apps/gateway/test/clients/support/tf.ts";
import { type CorpusCase, type CorpusOutcome, type CorpusRunner, loadCorpus, mismatches } from "./corpus.ts";

const corpus = loadCorpus();

/** Reduces one `tf policy test --batch` line to what the corpus checks. */
function outcomeOf(line: Record<string, unknown>): CorpusOutcome {
  const reasons =
    (line.reasons as { source: CorpusOutcome["source"]; rule?: string; id: string }[] | undefined) ?? [];
  const first = reasons[0];
  const outcome: CorpusOutcome = {
    decision: line.decision as CorpusOutcome["decision"],
    enforced: line.enforced as CorpusOutcome["enforced"],
    source: first?.source,
    default: line.default === true,
    flagged: line.flagged === true,
  };
  if (typeof line.retry_after_seconds === "number") outcome.retry_after_seconds = line.retry_after_seconds;
  if (first?.rule !== undefined) outcome.rule = first.rule;
  if (first !== undefined) outcome.id = first.id;
  return outcome;
}

/** One sequence of `--batch` per case: requests where the case has them (they go through the connectors). */
function sequenceOf(c: CorpusCase) {
  return {
    name: c.name,
    ...(c.gateway === undefined ? {} : { gateway: c.gateway }),
    kill_switches: c.killSwitches,
    steps: c.steps.map((step) => ({
      agent: step.agent,
      at: new Date(step.nowMs).toISOString(),
      ...(step.request !== undefined
        ? { request: step.request }
        : step.batch
          ? { actions: step.actions }
          : { action: step.actions[0] as Action }),
    })),
  };
}

/**
 * The corpus through `tf policy test`: one `tf` process per policy document decides every
 * case of that document (`--batch`, each case on fresh state), so the runner stays fast.
 */
function cliRunner(ws: Workspace): CorpusRunner {
  const byPolicy = new Map<string, Promise<Map<string, CorpusOutcome[]>>>();
  const runPolicy = async (policy: string, doc: string) => {
    const cases = corpus.cases.filter((c) => c.policy === policy);
    const config = join(ws.dir, policy);
    const batch = join(ws.dir, `${policy}.batch.json`);
    await writeFile(config, doc);
    await writeFile(batch, JSON.stringify(cases.map(sequenceOf)));
    const result = await runTf(["policy", "test", "--config", config, "--batch", batch], {
      cwd: ws.dir,
      env: tfEnv(ws.tfHome),
    });
    if (result.code !== 0) throw new Error(`tf policy test failed for ${policy}: ${result.stderr}`);
    const out = new Map<string, CorpusOutcome[]>();
    for (const line of jsonLines(result.stdout)) {
      const name = cases[line.sequence as number]?.name as string;
      out.set(name, [...(out.get(name) ?? []), outcomeOf(line)]);
    }
    return out;
  };
  return {
    name: "tf policy test",
    async decide(doc, testCase) {
      let results = byPolicy.get(testCase.policy);
      if (results === undefined) {
        results = runPolicy(testCase.policy, doc);
        byPolicy.set(testCase.policy, results);
      }
      return (await results).get(testCase.name) ?? [];
    },
  };
}

describe("policy conformance corpus (tf policy test)", () => {
  let ws: Workspace;
  let runner: CorpusRunner;
  beforeAll(async () => {
    await prepareTf();
    ws = await makeWorkspace("tf-corpus-");
    runner = cliRunner(ws);
  });
  afterAll(async () => {
    await ws.dispose();
  });

  it.each(corpus.cases.map((c) => ({ label: `${c.file}: ${c.name}`, c })))("$label", async ({ c }) => {
    const outcomes = await runner.decide(corpus.policies.get(c.policy) as string, c);
    expect(outcomes).toHaveLength(c.steps.length);
    const problems = c.steps.flatMap((step, i) =>
      mismatches(step.expect, outcomes[i] as CorpusOutcome).map((m) => `step ${i}: ${m}`),
    );
    expect(problems).toEqual([]);
  });
});
