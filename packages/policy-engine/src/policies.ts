import type { ApprovalSettings, DecisionKind, Policy } from "@tameflare/contracts";
import { type CompiledCondition, compileCondition } from "./condition.ts";
import type { LocatedError, PathSegment } from "./errors.ts";
import type { ConditionInput } from "./field.ts";
import { code, verb } from "./format.ts";
import { type CompiledGlob, compileGlob } from "./glob.ts";
import { GlobIndex, TypeMemo } from "./glob-index.ts";

/** One rule of a policy after compilation. */
export interface CompiledRule {
  readonly name: string;
  readonly index: number;
  readonly decision: DecisionKind;
  readonly reason: string | undefined;
  readonly riskScore: number | undefined;
  readonly approval: ApprovalSettings | undefined;
  /** Undefined when the rule has no `when`: it matches every action in scope. */
  readonly condition: CompiledCondition | undefined;
  /** "denied: policy `p` rule `r`: ", built once. */
  readonly explanationPrefix: string;
  /** " (reason)" or "", built once. */
  readonly explanationSuffix: string;
}

/** One enabled policy after compilation. */
export interface CompiledPolicyEntry {
  /** Evaluation order: priority (higher first), then position in the document. */
  readonly ordinal: number;
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly agents: readonly CompiledGlob[] | undefined;
  readonly connectors: ReadonlySet<string> | undefined;
  readonly rules: readonly CompiledRule[];
}

/** A rule that matched an action. */
export interface RuleMatch {
  readonly policy: CompiledPolicyEntry;
  readonly rule: CompiledRule;
}

/** The identity of the gateway a policy set is compiled for. */
export interface GatewayIdentity {
  readonly id: string | undefined;
  readonly names: readonly string[];
}

/**
 * Enabled policies indexed by the action globs of their scope: exact types in a hash
 * map, globs in a prefix trie (see {@link GlobIndex}); policies without `scope.actions`
 * sit in one list that every action visits. Policies whose `scope.gateways` excludes
 * this gateway are dropped at compile time.
 */
export class PolicyIndex {
  readonly #byAction = new GlobIndex<CompiledPolicyEntry>();
  readonly #unscoped: CompiledPolicyEntry[] = [];
  readonly #all: CompiledPolicyEntry[] = [];
  readonly #memo = new TypeMemo<readonly CompiledPolicyEntry[]>();
  // Bound once, so a lookup allocates no closure.
  readonly #findCandidates = (type: string): readonly CompiledPolicyEntry[] => this.#candidates(type);

  get size(): number {
    return this.#all.length;
  }

  get ruleCount(): number {
    let n = 0;
    for (const p of this.#all) n += p.rules.length;
    return n;
  }

  static build(
    policies: readonly Policy[],
    connectorNames: ReadonlySet<string>,
    gateway: GatewayIdentity,
    errors: LocatedError[],
  ): PolicyIndex {
    const index = new PolicyIndex();
    const names = new Set<string>();
    const ids = new Set<string>();
    const compiled: CompiledEntryDraft[] = [];
    policies.forEach((policy, i) => {
      const ctx = `policy ${code(policy.name)}`;
      if (names.has(policy.name)) {
        errors.push({
          segments: ["policies", i, "name"],
          message: `${ctx}: duplicate policy name; policy names must be unique`,
        });
      }
      names.add(policy.name);
      if (policy.id !== undefined) {
        if (ids.has(policy.id)) {
          errors.push({
            segments: ["policies", i, "id"],
            message: `${ctx}: duplicate policy id ${code(policy.id)}`,
          });
        }
        ids.add(policy.id);
      }
      const result = compilePolicyEntry(policy, i, connectorNames, gateway, errors);
      if (result !== undefined && policy.enabled !== false) compiled.push(result);
    });
    const ordered = compiled
      .filter((c) => c.inScope)
      .sort((a, b) => b.entry.priority - a.entry.priority || a.entry.index - b.entry.index);
    ordered.forEach((c, ordinal) => {
      const entry: CompiledPolicyEntry = { ...c.entry, ordinal };
      index.#all.push(entry);
      if (c.actions === undefined) index.#unscoped.push(entry);
      else for (const glob of c.actions) index.#byAction.add(glob, entry);
    });
    return index;
  }

  /**
   * Matches an action against the policies in evaluation order. Every rule of every
   * policy in scope is evaluated (so explanations and risk scores see all matches); a
   * rule that throws is skipped and reported through `onError`.
   */
  match(
    input: ConditionInput,
    onError: (policy: CompiledPolicyEntry, rule: CompiledRule, cause: unknown) => void,
  ): RuleMatch[] {
    const candidates = this.#memo.get(input.type, this.#findCandidates);
    const matches: RuleMatch[] = [];
    for (const policy of candidates) {
      if (policy.connectors !== undefined && !policy.connectors.has(input.connector)) continue;
      if (policy.agents !== undefined && !anyMatches(policy.agents, input.agent)) continue;
      for (const rule of policy.rules) {
        if (rule.condition === undefined) {
          matches.push({ policy, rule });
          continue;
        }
        try {
          if (rule.condition.test(input)) matches.push({ policy, rule });
        } catch (cause) {
          onError(policy, rule, cause);
        }
      }
    }
    return matches;
  }

  #candidates(type: string): readonly CompiledPolicyEntry[] {
    const hits: CompiledPolicyEntry[] = [];
    this.#byAction.forEachMatch(type, (entry) => {
      hits.push(entry);
    });
    if (hits.length === 0) return this.#unscoped;
    hits.sort((a, b) => a.ordinal - b.ordinal);
    // Merge with the (already ordered) unscoped list, dropping policies hit by two globs.
    const out: CompiledPolicyEntry[] = [];
    const unscoped = this.#unscoped;
    let u = 0;
    let last = -1;
    for (const hit of hits) {
      while (u < unscoped.length && (unscoped[u] as CompiledPolicyEntry).ordinal < hit.ordinal) {
        out.push(unscoped[u++] as CompiledPolicyEntry);
      }
      if (hit.ordinal !== last) out.push(hit);
      last = hit.ordinal;
    }
    while (u < unscoped.length) out.push(unscoped[u++] as CompiledPolicyEntry);
    return out;
  }
}

function anyMatches(globs: readonly CompiledGlob[], subject: string): boolean {
  for (const glob of globs) if (glob.matches(subject)) return true;
  return false;
}

/** The explanation of a matched rule: "denied: policy `p` rule `r`: <why> (<reason>)". */
export function explainMatch(match: RuleMatch, input: ConditionInput): string {
  const { rule } = match;
  const why =
    rule.condition === undefined
      ? "it applies to every action in the policy's scope"
      : rule.condition.explain(input, true);
  return rule.explanationPrefix + why + rule.explanationSuffix;
}

function compileGlobList(
  list: readonly string[] | undefined,
  segments: readonly PathSegment[],
  ctx: string,
  what: string,
  errors: LocatedError[],
): CompiledGlob[] | undefined {
  if (list === undefined) return undefined;
  if (list.length === 0) {
    errors.push({
      segments,
      message: `${ctx}: \`${String(segments.at(-1))}\` is empty; leave it out to match everything`,
    });
    return undefined;
  }
  const out: CompiledGlob[] = [];
  list.forEach((source, k) => {
    const compiled = compileGlob(source);
    if (compiled.ok) out.push(compiled.glob);
    else
      errors.push({
        segments: [...segments, k],
        message: `${ctx}: ${what} ${code(source)} ${compiled.message}`,
      });
  });
  return out;
}

interface CompiledEntryDraft {
  entry: Omit<CompiledPolicyEntry, "ordinal">;
  actions: CompiledGlob[] | undefined;
  /** False when `scope.gateways` leaves this gateway out. */
  inScope: boolean;
}

function compilePolicyEntry(
  policy: Policy,
  i: number,
  connectorNames: ReadonlySet<string>,
  gateway: GatewayIdentity,
  errors: LocatedError[],
): CompiledEntryDraft | undefined {
  const before = errors.length;
  const ctx = `policy ${code(policy.name)}`;
  const scope = policy.scope ?? {};
  const base: PathSegment[] = ["policies", i, "scope"];
  const actions = compileGlobList(scope.actions, [...base, "actions"], ctx, "scope action pattern", errors);
  const agents = compileGlobList(scope.agents, [...base, "agents"], ctx, "scope agent pattern", errors);
  const gateways = compileGlobList(
    scope.gateways,
    [...base, "gateways"],
    ctx,
    "scope gateway pattern",
    errors,
  );
  let connectors: Set<string> | undefined;
  if (scope.connectors !== undefined) {
    if (scope.connectors.length === 0) {
      errors.push({
        segments: [...base, "connectors"],
        message: `${ctx}: \`connectors\` is empty; leave it out to match everything`,
      });
    }
    scope.connectors.forEach((name, k) => {
      if (!connectorNames.has(name)) {
        errors.push({
          segments: [...base, "connectors", k],
          message: `${ctx}: scope names unknown connector ${code(name)}`,
        });
      }
    });
    connectors = new Set(scope.connectors);
  }
  const ruleNames = new Set<string>();
  const rules: CompiledRule[] = [];
  (policy.rules ?? []).forEach((rule, j) => {
    const rctx = `${ctx}: rule ${code(rule.name)}`;
    if (ruleNames.has(rule.name)) {
      errors.push({
        segments: ["policies", i, "rules", j, "name"],
        message: `${rctx}: duplicate rule name in this policy`,
      });
    }
    ruleNames.add(rule.name);
    const condition =
      rule.when === undefined
        ? undefined
        : compileCondition(rule.when, ["policies", i, "rules", j, "when"], rctx, errors);
    rules.push({
      name: rule.name,
      index: j,
      decision: rule.decision,
      reason: rule.reason,
      riskScore: rule.risk_score,
      approval: rule.approval,
      condition,
      explanationPrefix: `${verb(rule.decision)}: policy ${code(policy.name)} rule ${code(rule.name)}: `,
      explanationSuffix: rule.reason === undefined || rule.reason === "" ? "" : ` (${rule.reason})`,
    });
  });
  if (errors.length !== before) return undefined;
  const inScope =
    gateways === undefined ||
    gateways.some(
      (g) => (gateway.id !== undefined && g.matches(gateway.id)) || gateway.names.some((n) => g.matches(n)),
    );
  const priority = Number.isFinite(policy.priority) ? policy.priority : 0;
  return {
    entry: { index: i, id: policy.id ?? policy.name, name: policy.name, priority, agents, connectors, rules },
    actions,
    inScope,
  };
}
