import { code } from "../format.ts";
import { compileSafeRegex, type LinearRegex } from "../safe-regex.ts";
import { prepareString } from "./text.ts";
import type { Matcher, Prepared } from "./types.ts";

/**
 * Compiled patterns by source. Large documents repeat the same few patterns, and a
 * compiled regex is immutable (its scratch space is only used inside one `test` call),
 * so sharing is safe. Bounded so a stream of distinct documents cannot grow it forever.
 */
const memo = new Map<string, Prepared<LinearRegex>>();
const memoLimit = 2048;

function prepareRegex(value: unknown): Prepared<LinearRegex> {
  const text = prepareString("matches", value);
  if (!text.ok) return text;
  const known = memo.get(text.prepared);
  if (known !== undefined) return known;
  const compiled = compileSafeRegex(text.prepared);
  const result: Prepared<LinearRegex> = compiled.ok
    ? { ok: true, prepared: compiled.regex }
    : { ok: false, message: `unsafe or invalid regex ${code(text.prepared)}: it ${compiled.message}` };
  if (memo.size >= memoLimit) memo.clear();
  memo.set(text.prepared, result);
  return result;
}

/**
 * `matches`: a string field matches the regex somewhere (like `RegExp.test`; anchor with
 * `^…$` for a whole match). Matching is linear-time (see `safe-regex.ts`); numbers and
 * other types never match.
 */
export const matchesMatcher: Matcher<LinearRegex> = {
  op: "matches",
  prepare: prepareRegex,
  matches: (actual, regex) => typeof actual === "string" && regex.test(actual),
  explain: (field, value, holds) => `\`${field}\` ${holds ? "matches" : "does not match"} ${code(value)}`,
};
