import type { RiskLevel } from "@tameflare/contracts";

/** Word stems that make a tool or operation high risk. */
export const highRiskStems = [
  "delete",
  "remove",
  "drop",
  "execute",
  "exec",
  "run",
  "deploy",
  "shell",
  "destroy",
  "purge",
  "truncate",
  "wipe",
  "kill",
  "terminate",
  "rm",
  "rmdir",
  "unlink",
] as const;

/** Word stems that make a tool or operation medium risk. */
export const mediumRiskStems = [
  "write",
  "create",
  "update",
  "send",
  "post",
  "put",
  "patch",
  "set",
  "add",
  "insert",
  "edit",
  "modify",
  "upload",
  "move",
  "rename",
  "push",
  "commit",
  "publish",
  "submit",
  "merge",
  "transfer",
  "archive",
] as const;

/**
 * Splits an identifier into lower-case words: `deleteFile`, `delete_file`,
 * `delete-file`, `files/delete` and `HTTPDelete` all contain `delete`.
 */
export function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

const inflections = new Set(["", "s", "es", "d", "ed", "ing", "er", "ers"]);

interface Stem {
  text: string;
  /** Long stems: the prefix to look for (final `e`/`y` dropped). */
  prefix: string | undefined;
}

function compileStems(stems: readonly string[]): Stem[] {
  return stems.map((text) => ({
    text,
    prefix: text.length >= 5 ? (/[ey]$/.test(text) ? text.slice(0, -1) : text) : undefined,
  }));
}

const HIGH = compileStems(highRiskStems);
const MEDIUM = compileStems(mediumRiskStems);

/**
 * Whether a word is a form of a stem. Stems of five letters or more match as
 * prefixes without their final `e`/`y` (`delete` covers `deleted`,
 * `deletion`); shorter stems match only with a common inflection, doubled
 * consonant allowed (`run`, `runs`, `running`, but not `runtime`).
 */
function isFormOf(word: string, stem: Stem): boolean {
  if (stem.prefix !== undefined) return word.startsWith(stem.prefix);
  const text = stem.text;
  if (!word.startsWith(text)) return false;
  let rest = word.slice(text.length);
  if (rest.length > 1 && rest[0] === text[text.length - 1]) rest = rest.slice(1);
  return inflections.has(rest);
}

/**
 * Risk of a tool or operation from its name: any word that is a form of a
 * high stem (delete, remove, drop, execute, exec, run, deploy, shell, …) makes
 * it high, then a medium stem (write, create, update, send, post, …), else
 * low. Long stems match as prefixes and so over-read on purpose: a wrong
 * "high" costs an approval, a wrong "low" costs a surprise.
 */
export function riskFromName(name: string): RiskLevel {
  const cached = riskCache.get(name);
  if (cached !== undefined) return cached;
  const risk = computeRisk(name);
  // A bounded memo (pure: same name, same risk): tool and field names repeat.
  if (riskCache.size >= 4096) riskCache.clear();
  riskCache.set(name, risk);
  return risk;
}

const riskCache = new Map<string, RiskLevel>();

function computeRisk(name: string): RiskLevel {
  const words = identifierWords(name);
  if (words.some((w) => HIGH.some((s) => isFormOf(w, s)))) return "high";
  if (words.some((w) => MEDIUM.some((s) => isFormOf(w, s)))) return "medium";
  return "low";
}

/** The greater of two risks. */
export function maxRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  const order = { low: 0, medium: 1, high: 2 } as const;
  return order[a] >= order[b] ? a : b;
}
