// Policy engine benchmark (issue 3): decisions/s and p50/p99 latency of `evaluate` for
// 10, 1,000 and 10,000 rules (a realistic mix of access rules and condition policies),
// and compile time. Targets on a 2-core machine: p99 ≤ 20 µs at 1,000 rules and
// ≤ 50 µs at 10,000; compile of 10,000 rules < 1 s. A benchmark, not a timed test.
//
//   npx tsx bench/engine.ts [--decisions 200000] [--sizes 10,1000,10000]

import { availableParallelism, loadavg } from "node:os";
import type {
  AccessRule,
  Action,
  Condition,
  Policy,
  PolicyDocumentInput,
  RateLimit,
} from "@tameflare/contracts";
import { policyDocumentSchema } from "@tameflare/contracts";
import { type CompiledPolicy, compilePolicy, evaluate, type RateLimitState } from "@tameflare/policy-engine";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const decisionsPerSize = Number(args.get("decisions") ?? 200_000);
const sizes = (args.get("sizes") ?? "10,1000,10000").split(",").map(Number);

// A seeded generator so every run benchmarks the same documents and actions.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const connectorCount = 20;
const resourceCount = 50;
const verbs = ["create", "get", "list", "update", "delete", "merge"] as const;

interface Mix {
  document: PolicyDocumentInput;
  accessRules: number;
  policyRules: number;
}

/**
 * About half access rules (per connector: one preset, then exact types, resource
 * globs `cN.rM.*` and verb globs `cN.*.delete`) and half policy rules (policies of 1–5
 * rules of 2–3 selective conditions over every kind of operator, scoped by exact types or
 * resource globs, some by agent; 0.5% of policies unscoped). Ten rate limits.
 */
function buildMix(totalRules: number, seed: number): Mix {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const int = (n: number): number => Math.floor(random() * n);
  const connectorsUsed = Math.min(connectorCount, Math.max(2, Math.ceil(totalRules / 20)));
  const access_rules: AccessRule[] = [];
  const accessTarget = Math.max(2, Math.round(totalRules / 2));
  for (let c = 0; c < connectorsUsed && access_rules.length < accessTarget; c++) {
    access_rules.push({
      connector: `c${c}`,
      preset: pick(["read_only", "allow_all", "require_approval"] as const),
    });
  }
  while (access_rules.length < accessTarget) {
    const c = int(connectorsUsed);
    const roll = random();
    const action =
      roll < 0.6
        ? `c${c}.r${int(resourceCount)}.${pick(verbs)}`
        : roll < 0.9
          ? `c${c}.r${int(resourceCount)}.*`
          : `c${c}.*.${pick(verbs)}`;
    access_rules.push({
      connector: `c${c}`,
      action,
      decision: pick(["allow", "allow", "allow", "deny", "require_approval"] as const),
    });
  }
  // Guards as people write them: each condition is selective on its own, and rules
  // combine two or three, so a rule matches a minority of the actions in its scope.
  const leaf = (): Condition => {
    switch (int(10)) {
      case 0:
        return { field: "parameters.env", op: "equals", value: "prod" };
      case 1:
        return { field: "parameters.amount", op: pick(["gt", "gte"] as const), value: 50_000 + int(50_000) };
      case 2:
        return { field: "parameters.currency", op: "in", value: ["jpy", "chf"] };
      case 3:
        return { field: "parameters.ref", op: "matches", value: "^heads/(main|release/.+)$" };
      case 4:
        return { field: "parameters.path", op: "ends_with", value: ".env" };
      case 5:
        return { field: "parameters.tags", op: "contains", value: "urgent" };
      case 6:
        return { field: "parameters.dry_run", op: "exists", value: false };
      case 7:
        return { field: "parameters.ref", op: "starts_with", value: "heads/release/" };
      case 8:
        return { field: "parameters.amount", op: "lt", value: 0 };
      default:
        return { field: "agent", op: "in", value: ["ci-bot", "release-bot"] };
    }
  };
  const policies: Policy[] = [];
  let policyRules = 0;
  const policyTarget = totalRules - access_rules.length;
  while (policyRules < policyTarget) {
    const ruleCount = Math.min(policyTarget - policyRules, 1 + int(5));
    const rules = Array.from({ length: ruleCount }, (_, j) => {
      const parts = Array.from({ length: 2 + int(2) }, leaf);
      const when: Condition = random() < 0.85 ? { all: parts } : { any: parts };
      return {
        name: `r${j}`,
        when,
        decision: pick(["deny", "require_approval", "allow"] as const),
        risk_score: int(100),
      };
    });
    policyRules += ruleCount;
    // A few policies have no action scope (org-wide guards); every action visits them.
    const unscoped = random() < 0.005;
    const c = int(connectorsUsed);
    policies.push({
      name: `p${policies.length}`,
      enabled: random() > 0.05,
      priority: int(10),
      scope: unscoped
        ? {}
        : {
            actions: [
              random() < 0.6
                ? `c${c}.r${int(resourceCount)}.${pick(verbs)}`
                : `c${c}.r${int(resourceCount)}.*`,
            ],
            ...(random() < 0.2 ? { agents: ["agent-*"] } : {}),
          },
      rules,
    });
  }
  const rate_limits: RateLimit[] = Array.from({ length: 10 }, (_, i) => ({
    name: `limit-${i}`,
    action: `c${i % connectorsUsed}.r${i}.*`,
    per_agent: i % 2 === 0,
    max: 1_000_000,
    window_seconds: 60,
  }));
  const document: PolicyDocumentInput = {
    version: 1,
    gateway: { name: "bench", enforcement: "full" },
    connectors: Array.from({ length: connectorsUsed }, (_, c) => ({
      type: "generic" as const,
      name: `c${c}`,
    })),
    access_rules,
    policies,
    rate_limits,
  };
  return { document, accessRules: access_rules.length, policyRules };
}

function buildActions(count: number, seed: number, connectorsUsed: number): Action[] {
  const random = rng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  return Array.from({ length: count }, () => {
    const c = int(connectorsUsed);
    const verb = verbs[int(verbs.length)] as string;
    return {
      type: `c${c}.r${int(resourceCount)}.${verb}`,
      connector: `c${c}`,
      resource: `acme/repo-${int(100)}`,
      parameters: {
        env: random() < 0.3 ? "prod" : "dev",
        amount: int(120_000),
        currency: ["usd", "eur", "jpy"][int(3)],
        ref: random() < 0.5 ? "heads/main" : `heads/feature-${int(1000)}`,
        tags: random() < 0.5 ? ["urgent"] : [],
        ...(random() < 0.5 ? { dry_run: true } : {}),
      },
      risk: (["low", "medium", "high"] as const)[int(3)] as Action["risk"],
      read: verb === "get" || verb === "list",
    };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function compileTimed(document: PolicyDocumentInput): { compiled: CompiledPolicy; ms: number; cpu: number } {
  const parsed = policyDocumentSchema.parse(document);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = compilePolicy(parsed);
  const ms = performance.now() - start;
  const cpuUsed = cpuMs(cpu);
  if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 5)));
  return { compiled: result.compiled, ms, cpu: cpuUsed };
}

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" ");
console.log(
  `policy engine benchmark: ${decisionsPerSize} decisions per size, Node ${process.version}, ${availableParallelism()} cores, load average ${load}`,
);
console.log("wall = elapsed time (includes waiting for a busy CPU); cpu = this process's CPU time");
console.log(
  "rules  access  policy  compile ms wall/cpu  decisions/s wall/cpu   p50 µs  p99 µs  outcome allow/deny/hold",
);
for (const size of sizes) {
  const mix = buildMix(size, 42 + size);
  const { compiled, ms, cpu } = compileTimed(mix.document);
  const connectorsUsed = mix.document.connectors?.length ?? 1;
  const actions = buildActions(4096, 7, connectorsUsed);
  const agents = ["agent-1", "agent-2", "ci-bot", "release-bot"];
  let state: RateLimitState | undefined;
  const outcome = { allow: 0, deny: 0, require_approval: 0 };
  const run = (i: number): void => {
    const result = evaluate(compiled, actions[i & 4095] as Action, {
      agent: agents[i & 3] as string,
      nowMs: 1_700_000_000_000 + i,
      rateState: state,
    });
    state = result.rateState;
    outcome[result.decision.decision]++;
  };
  // Warm up (JIT), then throughput without per-call timers, then per-call latency.
  for (let i = 0; i < 20_000; i++) run(i);
  outcome.allow = outcome.deny = outcome.require_approval = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < decisionsPerSize; i++) run(i);
  const wallPerSecond = decisionsPerSize / ((performance.now() - t0) / 1000);
  const cpuPerSecond = decisionsPerSize / (cpuMs(cpu0) / 1000);
  const samples = new Float64Array(decisionsPerSize);
  for (let i = 0; i < decisionsPerSize; i++) {
    const s = process.hrtime.bigint();
    run(i);
    samples[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  samples.sort();
  const total = outcome.allow + outcome.deny + outcome.require_approval;
  const share = (n: number): string => `${Math.round((n / total) * 100)}%`;
  const rate = (n: number): string => Math.round(n).toLocaleString("en-US");
  console.log(
    [
      String(size).padStart(5),
      String(mix.accessRules).padStart(6),
      String(mix.policyRules).padStart(6),
      `${ms.toFixed(0)}/${cpu.toFixed(0)}`.padStart(19),
      `${rate(wallPerSecond)}/${rate(cpuPerSecond)}`.padStart(21),
      percentile(samples, 0.5).toFixed(2).padStart(7),
      percentile(samples, 0.99).toFixed(2).padStart(7),
      `${share(outcome.allow)}/${share(outcome.deny)}/${share(outcome.require_approval)}`.padStart(24),
    ].join(" "),
  );
}
