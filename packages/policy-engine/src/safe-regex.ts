import { findAmbiguity } from "./regex/check.ts";
import { parseRegex } from "./regex/parse.ts";
import { compileLinearRegex, type LinearRegex } from "./regex/vm.ts";

export { maxPatternLength } from "./regex/parse.ts";
export type { LinearRegex } from "./regex/vm.ts";

/** A regex compile outcome; `message` is a sentence fragment about the pattern. */
export type SafeRegexResult = { ok: true; regex: LinearRegex } | { ok: false; message: string };

/**
 * Compiles a user's pattern for the `matches` operator. Accepted patterns are matched
 * in linear time by TameFlare's own automaton, never by a backtracking engine. Rejected:
 * patterns over 512 characters, backreferences, lookaround, `\p{…}`, nested or
 * ambiguous repetition (see `regex/check.ts`), programs over 4,000 instructions, and
 * anything JavaScript itself would not accept (so the dashboard can preview it).
 * Semantics follow `new RegExp(pattern).test(subject)` without flags.
 */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  const parsed = parseRegex(pattern);
  if (!parsed.ok) return parsed;
  try {
    new RegExp(pattern);
  } catch (cause) {
    // Building a RegExp only parses it (it never runs here); its message explains the syntax error.
    const detail = cause instanceof Error ? cause.message.replace(/^Invalid regular expression: /, "") : "";
    return { ok: false, message: `is not a valid regular expression${detail === "" ? "" : ` (${detail})`}` };
  }
  const ambiguity = findAmbiguity(parsed.node, pattern);
  if (ambiguity !== undefined) return { ok: false, message: ambiguity };
  return compileLinearRegex(parsed.node, pattern);
}
