import type { AccessRule, DecisionKind, DecisionReason } from "@tameflare/contracts";
import type { LocatedError } from "./errors.ts";
import { code, verb } from "./format.ts";
import { type CompiledGlob, compareSpecificity, compileGlob } from "./glob.ts";
import { GlobIndex, TypeMemo } from "./glob-index.ts";
import { strictness } from "./strictness.ts";

type Preset = "allow_all" | "read_only" | "require_approval";

/** One access rule after compilation. */
export interface CompiledAccessRule {
  readonly id: string;
  /** Position in `access_rules`. */
  readonly index: number;
  readonly connector: string;
  /** The action pattern, or `preset:<name>` for a preset. */
  readonly pattern: string;
  readonly preset: Preset | undefined;
  readonly glob: CompiledGlob | undefined;
  readonly decision: DecisionKind | undefined;
}

/** What the access rules say about one action. */
export interface AccessVerdict {
  readonly decision: DecisionKind;
  readonly reason: DecisionReason;
}

interface ConnectorRules {
  readonly globs: GlobIndex<CompiledAccessRule>;
  preset: CompiledAccessRule | undefined;
  /** The chosen rule per action type (`null`: none); it depends on the type alone. */
  readonly chosen: TypeMemo<CompiledAccessRule | null>;
  readonly choose: (type: string) => CompiledAccessRule | null;
}

/** Minimal action view the access rules need. */
export interface AccessSubject {
  readonly type: string;
  readonly connector: string;
  readonly read: boolean;
}

/**
 * Access rules indexed per connector: each connector has a {@link GlobIndex} of its
 * pattern rules (exact types in a hash map, globs in a prefix trie) and at most one
 * preset. The most specific matching pattern decides (exact > longer literal prefix >
 * fewer `*` > more literal characters); at equal specificity the strictest decision wins
 * (deny > require_approval > allow), then the earlier rule. The preset is the least
 * specific rule of its connector and only decides when no pattern matches.
 */
export class AccessIndex {
  readonly #byConnector = new Map<string, ConnectorRules>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** Compiles `rules`; problems go to `errors` and the offending rule is left out. */
  static build(
    rules: readonly AccessRule[],
    connectorNames: ReadonlySet<string>,
    errors: LocatedError[],
  ): AccessIndex {
    const index = new AccessIndex();
    rules.forEach((rule, i) => {
      const compiled = compileAccessRule(rule, i, connectorNames, errors);
      if (compiled === undefined) return;
      let entry = index.#byConnector.get(compiled.connector);
      if (entry === undefined) {
        const created: ConnectorRules = {
          globs: new GlobIndex(),
          preset: undefined,
          chosen: new TypeMemo(),
          choose: (type) => choose(created, type),
        };
        entry = created;
        index.#byConnector.set(compiled.connector, entry);
      }
      if (compiled.preset !== undefined) {
        if (entry.preset !== undefined) {
          errors.push({
            segments: ["access_rules", i, "preset"],
            message: `access rule ${code(rule.id ?? compiled.preset)}: connector ${code(compiled.connector)} already has the preset ${code(entry.preset.preset)}; give a connector at most one preset`,
          });
          return;
        }
        entry.preset = compiled;
      } else if (compiled.glob !== undefined) {
        entry.globs.add(compiled.glob, compiled);
      }
      index.#count++;
    });
    return index;
  }

  /** The access rules' verdict for an action, or undefined when none applies. */
  decide(action: AccessSubject): AccessVerdict | undefined {
    const rules = this.#byConnector.get(action.connector);
    if (rules === undefined) return undefined;
    const chosen = rules.chosen.get(action.type, rules.choose);
    if (chosen === null) return undefined;
    const decision = decisionOf(chosen, action);
    return {
      decision,
      reason: {
        source: "access_rule",
        id: chosen.id,
        rule: chosen.pattern,
        decision,
        explanation: explainAccess(chosen, decision, action),
      },
    };
  }
}

function choose(rules: ConnectorRules, type: string): CompiledAccessRule | null {
  let best: CompiledAccessRule | undefined;
  rules.globs.forEachMatch(type, (rule) => {
    if (best === undefined || isBetter(rule, best)) best = rule;
  });
  return best ?? rules.preset ?? null;
}

function isBetter(candidate: CompiledAccessRule, best: CompiledAccessRule): boolean {
  const bySpecificity = compareSpecificity(candidate.glob as CompiledGlob, best.glob as CompiledGlob);
  if (bySpecificity !== 0) return bySpecificity > 0;
  const byStrictness =
    strictness(candidate.decision as DecisionKind) - strictness(best.decision as DecisionKind);
  if (byStrictness !== 0) return byStrictness > 0;
  return candidate.index < best.index;
}

function decisionOf(rule: CompiledAccessRule, action: AccessSubject): DecisionKind {
  switch (rule.preset) {
    case "allow_all":
      return "allow";
    case "read_only":
      return action.read ? "allow" : "deny";
    case "require_approval":
      return "require_approval";
    default:
      return rule.decision as DecisionKind;
  }
}

function explainAccess(rule: CompiledAccessRule, decision: DecisionKind, action: AccessSubject): string {
  const connector = code(rule.connector);
  switch (rule.preset) {
    case "allow_all":
      return `allowed: connector ${connector} allows every action (preset \`allow_all\`)`;
    case "read_only":
      return action.read
        ? `allowed: connector ${connector} is read-only and ${code(action.type)} is a read`
        : `denied: connector ${connector} is read-only and ${code(action.type)} is a write`;
    case "require_approval":
      return `needs approval: connector ${connector} requires approval for every action (preset \`require_approval\`)`;
    default:
      return `${verb(decision)}: access rule ${code(rule.pattern)} on connector ${connector}${
        rule.glob?.exact ? "" : ` matches ${code(action.type)}`
      }`;
  }
}

function compileAccessRule(
  rule: AccessRule,
  i: number,
  connectorNames: ReadonlySet<string>,
  errors: LocatedError[],
): CompiledAccessRule | undefined {
  const preset = rule.preset === "custom" ? undefined : rule.preset;
  const pattern = preset !== undefined ? `preset:${preset}` : String(rule.action);
  const id = rule.id ?? `${rule.connector}:${preset ?? rule.action}`;
  const label = `access rule ${code(rule.id ?? preset ?? rule.action)}`;
  const before = errors.length;
  if (!connectorNames.has(rule.connector)) {
    errors.push({
      segments: ["access_rules", i, "connector"],
      message: `${label}: unknown connector ${code(rule.connector)}`,
    });
  }
  if (preset !== undefined && (rule.action !== undefined || rule.decision !== undefined)) {
    errors.push({
      segments: ["access_rules", i, rule.action !== undefined ? "action" : "decision"],
      message: `${label}: give either a \`preset\` or an \`action\` pattern with a \`decision\`, not both`,
    });
  }
  let glob: CompiledGlob | undefined;
  if (preset === undefined) {
    if (typeof rule.action !== "string" || rule.decision === undefined) {
      errors.push({
        segments: ["access_rules", i],
        message: `${label}: an access rule needs a \`preset\`, or an \`action\` pattern with a \`decision\``,
      });
    } else {
      const compiled = compileGlob(rule.action);
      if (compiled.ok) glob = compiled.glob;
      else {
        errors.push({
          segments: ["access_rules", i, "action"],
          message: `${label}: action pattern ${code(rule.action)} ${compiled.message}`,
        });
      }
    }
  }
  if (errors.length !== before) return undefined;
  return { id, index: i, connector: rule.connector, pattern, preset, glob, decision: rule.decision };
}
