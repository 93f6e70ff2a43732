import { describeType } from "../format.ts";
import type { Matcher } from "./types.ts";

/**
 * `exists`: with `value: true` (or no value) the field is present and not null; with
 * `value: false` it is missing or null.
 */
export const existsMatcher: Matcher<boolean> = {
  op: "exists",
  prepare: (value) => {
    if (value === undefined) return { ok: true, prepared: true };
    if (typeof value === "boolean") return { ok: true, prepared: value };
    return {
      ok: false,
      message: `operator \`exists\` needs \`true\` or \`false\`, got ${describeType(value)}`,
    };
  },
  matches: (actual, wanted) => (actual !== undefined && actual !== null) === wanted,
  explain: (field, value, holds) => {
    const wantedPresent = value !== false;
    return `\`${field}\` is ${wantedPresent === holds ? "present" : "missing"}`;
  },
};
