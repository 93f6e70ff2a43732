import { code, describeType } from "../format.ts";
import { looseEquals, type Scalar } from "../values.ts";
import type { Matcher, Prepared } from "./types.ts";

/** Accepts a string, a finite number or a boolean (shared by `contains` and `not_contains`). */
export function prepareNeedle(op: string, value: unknown): Prepared<Scalar> {
  if (
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  ) {
    return { ok: true, prepared: value };
  }
  return {
    ok: false,
    message: `operator \`${op}\` needs a string, number or boolean value, got ${describeType(value)}`,
  };
}

/** On a string field: substring test; on a list field: some item equals the value. */
export function containsValue(actual: unknown, needle: Scalar): boolean {
  if (typeof actual === "string") return actual.includes(String(needle));
  if (Array.isArray(actual)) return actual.some((item) => looseEquals(item, needle));
  return false;
}

/** `contains`: a string field contains the text, or a list field contains the item. */
export const containsMatcher: Matcher<Scalar> = {
  op: "contains",
  prepare: (value) => prepareNeedle("contains", value),
  matches: containsValue,
  explain: (field, value, holds) => `\`${field}\` ${holds ? "contains" : "does not contain"} ${code(value)}`,
};
