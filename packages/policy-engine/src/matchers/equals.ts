import { code, describeType } from "../format.ts";
import { isScalar, looseEquals, type Scalar } from "../values.ts";
import type { Matcher, Prepared } from "./types.ts";

/** Accepts a string, a finite number, a boolean or null (shared by `equals` and `not_equals`). */
export function prepareScalar(op: string, value: unknown): Prepared<Scalar> {
  if (isScalar(value)) return { ok: true, prepared: value };
  return {
    ok: false,
    message: `operator \`${op}\` needs a string, number, boolean or null value, got ${describeType(value)}`,
  };
}

/** `equals`: the field equals the value (a number equals its numeric string: `5000` = `"5000"`). */
export const equalsMatcher: Matcher<Scalar> = {
  op: "equals",
  prepare: (value) => prepareScalar("equals", value),
  matches: (actual, expected) => looseEquals(actual, expected),
  explain: (field, value, holds) => `\`${field}\` ${holds ? "equals" : "does not equal"} ${code(value)}`,
};
