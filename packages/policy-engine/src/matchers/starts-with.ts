import { code } from "../format.ts";
import { prepareString } from "./text.ts";
import type { Matcher } from "./types.ts";

/** `starts_with`: a string field starts with the text (other types never do). */
export const startsWithMatcher: Matcher<string> = {
  op: "starts_with",
  prepare: (value) => prepareString("starts_with", value),
  matches: (actual, prefix) => typeof actual === "string" && actual.startsWith(prefix),
  explain: (field, value, holds) =>
    `\`${field}\` ${holds ? "starts with" : "does not start with"} ${code(value)}`,
};
