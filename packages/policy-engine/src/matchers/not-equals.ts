import { code } from "../format.ts";
import type { Scalar } from "../values.ts";
import { equalsMatcher, prepareScalar } from "./equals.ts";
import type { Matcher } from "./types.ts";

/** `not_equals`: exactly `not equals`, so a missing field does not equal anything. */
export const notEqualsMatcher: Matcher<Scalar> = {
  op: "not_equals",
  prepare: (value) => prepareScalar("not_equals", value),
  matches: (actual, expected) => !equalsMatcher.matches(actual, expected),
  explain: (field, value, holds) => `\`${field}\` ${holds ? "does not equal" : "equals"} ${code(value)}`,
};
