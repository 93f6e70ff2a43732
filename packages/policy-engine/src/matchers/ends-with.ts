import { code } from "../format.ts";
import { prepareString } from "./text.ts";
import type { Matcher } from "./types.ts";

/** `ends_with`: a string field ends with the text (other types never do). */
export const endsWithMatcher: Matcher<string> = {
  op: "ends_with",
  prepare: (value) => prepareString("ends_with", value),
  matches: (actual, suffix) => typeof actual === "string" && actual.endsWith(suffix),
  explain: (field, value, holds) =>
    `\`${field}\` ${holds ? "ends with" : "does not end with"} ${code(value)}`,
};
