import { codeList } from "../format.ts";
import { inList, type PreparedList, prepareList } from "./in.ts";
import type { Matcher } from "./types.ts";

/** `not_in`: exactly `not in`, so a missing field is not in any list. */
export const notInMatcher: Matcher<PreparedList> = {
  op: "not_in",
  prepare: (value) => prepareList("not_in", value),
  matches: (actual, list) => !inList(actual, list),
  explain: (field, value, holds) =>
    `\`${field}\` ${holds ? "is not one of" : "is one of"} ${codeList(Array.isArray(value) ? value : [value])}`,
};
