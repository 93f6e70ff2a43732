import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Action,
  actionSchema,
  type DecisionKind,
  decisions,
  type KillSwitch,
  killSwitchSchema,
  type ReasonSource,
  reasonSources,
} from "@tameflare/contracts";
import { parse } from "yaml";

/**
 * The policy conformance corpus: policy documents (`policies/*.yaml`) and request cases
 * (`cases/*.cases.yaml`) with the decision each must get. The same cases run against
 * the engine (`engine.test.ts`), and later the gateway over sockets and `tf policy
 * test`: each of those implements {@link CorpusRunner}. See README.md for the format.
 */

export const corpusDir = dirname(fileURLToPath(import.meta.url));

/** An HTTP request a connector turns into the step's action(s). */
export interface CorpusRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; a mapping or list is sent as JSON. */
  body?: string | Record<string, unknown> | unknown[];
}

/** What one step must decide. Only the fields given are checked. */
export interface CorpusExpectation {
  decision: DecisionKind;
  /** `reasons[0].source`. */
  source: ReasonSource;
  enforced?: DecisionKind;
  default?: boolean;
  flagged?: boolean;
  retry_after_seconds?: number;
  /** `reasons[0].rule` (a policy rule name, or an access rule's pattern). */
  rule?: string;
  /** `reasons[0].id`. */
  id?: string;
}

/** What a runner observed for one step. */
export interface CorpusOutcome {
  decision: DecisionKind;
  enforced: DecisionKind;
  source: ReasonSource | undefined;
  default: boolean;
  flagged: boolean;
  retry_after_seconds?: number;
  rule?: string;
  id?: string;
}

export interface CorpusStep {
  agent: string;
  /** The injected clock for this step (the case's `time` plus every `after_seconds` so far). */
  nowMs: number;
  /** One action, or several for a batch (`batch: true`). */
  actions: Action[];
  batch: boolean;
  request?: CorpusRequest;
  expect: CorpusExpectation;
}

export interface CorpusCase {
  /** `cases/<file>`, for messages. */
  file: string;
  name: string;
  /** The policy document's file name under `policies/`. */
  policy: string;
  /** Compile options: who the gateway is (kill switches and `scope.gateways`). */
  gateway?: { id?: string; name?: string };
  /** Runtime kill switches, active for every step. */
  killSwitches: KillSwitch[];
  /** Run in order on one fresh state (rate limits start full). */
  steps: CorpusStep[];
}

/**
 * One way of deciding a case. `decide` gets the policy document's YAML text and the case,
 * starts from a fresh state (full rate-limit buckets, no earlier requests), runs every
 * step in order on the step's clock, and returns one outcome per step.
 */
export interface CorpusRunner {
  readonly name: string;
  decide(doc: string, testCase: CorpusCase): Promise<CorpusOutcome[]>;
}

export interface Corpus {
  cases: CorpusCase[];
  /** Policy file name → YAML text. */
  policies: Map<string, string>;
}

/** Reads and checks every policy and case file; throws with the file and case on a bad one. */
export function loadCorpus(dir: string = corpusDir): Corpus {
  const policies = new Map<string, string>();
  for (const file of readdirSync(join(dir, "policies"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    policies.set(file, readFileSync(join(dir, "policies", file), "utf8"));
  }
  const cases: CorpusCase[] = [];
  for (const file of readdirSync(join(dir, "cases"))
    .filter((f) => f.endsWith(".cases.yaml"))
    .sort()) {
    const raw = parse(readFileSync(join(dir, "cases", file), "utf8")) as unknown;
    cases.push(...readCaseFile(`cases/${file}`, raw, policies));
  }
  return { cases, policies };
}

const defaultTime = "2025-01-01T00:00:00Z";
const defaultAgent = "corpus-agent";

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "expected a mapping");
  return value as Record<string, unknown>;
}

function readCaseFile(file: string, raw: unknown, policies: Map<string, string>): CorpusCase[] {
  const top = record(raw, file);
  const policy = top.policy;
  if (typeof policy !== "string" || !policies.has(policy))
    fail(file, `\`policy\` must name a file in policies/, got ${String(policy)}`);
  if (!Array.isArray(top.cases) || top.cases.length === 0) fail(file, "`cases` must be a non-empty list");
  const names = new Set<string>();
  return top.cases.map((item: unknown, i: number) => {
    const c = record(item, `${file}: case ${i}`);
    const name = c.name;
    if (typeof name !== "string" || name === "") fail(`${file}: case ${i}`, "`name` is required");
    if (names.has(name)) fail(`${file}: case \`${name}\``, "duplicate case name");
    names.add(name);
    const where = `${file}: case \`${name}\``;
    const start = Date.parse(typeof c.time === "string" ? c.time : defaultTime);
    if (Number.isNaN(start)) fail(where, "`time` must be an ISO date");
    const killSwitches = ((c.kill_switches as unknown[] | undefined) ?? []).map((k) =>
      killSwitchSchema.parse(k),
    );
    const rawSteps = Array.isArray(c.steps) ? c.steps : [c];
    let nowMs = start;
    const steps = rawSteps.map((s: unknown, k: number) => {
      const step = record(s, `${where}: step ${k}`);
      nowMs += typeof step.after_seconds === "number" ? step.after_seconds * 1000 : 0;
      return readStep(
        step,
        `${where}: step ${k}`,
        nowMs,
        typeof c.agent === "string" ? c.agent : defaultAgent,
      );
    });
    const gateway = c.gateway === undefined ? undefined : (record(c.gateway, where) as CorpusCase["gateway"]);
    return { file, name, policy, gateway, killSwitches, steps };
  });
}

function readStep(
  step: Record<string, unknown>,
  where: string,
  nowMs: number,
  caseAgent: string,
): CorpusStep {
  const batch = step.actions !== undefined;
  const rawActions = batch ? step.actions : [step.action];
  if (!Array.isArray(rawActions) || rawActions.length === 0 || rawActions.some((a) => a === undefined)) {
    fail(where, "give an `action` or a non-empty `actions` list");
  }
  const actions = rawActions.map((a: unknown) => {
    const partial = record(a, where);
    const parsed = actionSchema.safeParse({
      resource: "",
      parameters: {},
      risk: "medium",
      read: false,
      ...partial,
    });
    if (!parsed.success) fail(where, `bad action: ${parsed.error.message}`);
    return parsed.data;
  });
  const expect = record(step.expect, `${where}: expect`);
  if (!(decisions as readonly unknown[]).includes(expect.decision))
    fail(where, "`expect.decision` must be allow, deny or require_approval");
  if (!(reasonSources as readonly unknown[]).includes(expect.source))
    fail(where, "`expect.source` must be a reason source");
  const request =
    step.request === undefined ? undefined : (record(step.request, where) as unknown as CorpusRequest);
  if (request !== undefined && (typeof request.method !== "string" || typeof request.url !== "string")) {
    fail(where, "`request` needs `method` and `url`");
  }
  return {
    agent: typeof step.agent === "string" ? step.agent : caseAgent,
    nowMs,
    actions,
    batch,
    request,
    expect: expect as unknown as CorpusExpectation,
  };
}

/** The differences between what a step expected and what a runner saw (empty when it conforms). */
export function mismatches(expected: CorpusExpectation, actual: CorpusOutcome): string[] {
  const out: string[] = [];
  for (const key of Object.keys(expected) as (keyof CorpusExpectation)[]) {
    if (expected[key] !== actual[key]) {
      out.push(`${key}: expected ${JSON.stringify(expected[key])}, got ${JSON.stringify(actual[key])}`);
    }
  }
  return out;
}
