import { code, describeType } from "../format.ts";
import { toNumber } from "../values.ts";
import type { Matcher, Prepared } from "./types.ts";

/** Accepts a finite number (for `gt`, `gte`, `lt`, `lte`). */
export function prepareNumber(op: string, value: unknown): Prepared<number> {
  if (typeof value === "number" && Number.isFinite(value)) return { ok: true, prepared: value };
  return { ok: false, message: `operator \`${op}\` needs a number value, got ${describeType(value)}` };
}

/**
 * Builds an ordering matcher. The field is compared as a number (numeric strings are
 * converted, see `toNumber`); a missing or non-numeric field makes the condition false.
 */
export function orderingMatcher(
  op: "gt" | "gte" | "lt" | "lte",
  compare: (actual: number, bound: number) => boolean,
  phrase: string,
  negated: string,
): Matcher<number> {
  return {
    op,
    prepare: (value) => prepareNumber(op, value),
    matches: (actual, bound) => {
      const n = toNumber(actual);
      return n !== undefined && compare(n, bound);
    },
    explain: (field, value, holds) => `\`${field}\` ${holds ? phrase : negated} ${code(value)}`,
  };
}
