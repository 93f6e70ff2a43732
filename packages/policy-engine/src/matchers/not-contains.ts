import { code } from "../format.ts";
import type { Scalar } from "../values.ts";
import { containsValue, prepareNeedle } from "./contains.ts";
import type { Matcher } from "./types.ts";

/** `not_contains`: exactly `not contains`, so a missing field contains nothing. */
export const notContainsMatcher: Matcher<Scalar> = {
  op: "not_contains",
  prepare: (value) => prepareNeedle("not_contains", value),
  matches: (actual, needle) => !containsValue(actual, needle),
  explain: (field, value, holds) => `\`${field}\` ${holds ? "does not contain" : "contains"} ${code(value)}`,
};
