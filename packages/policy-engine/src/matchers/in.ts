import { codeList, describeType } from "../format.ts";
import { isScalar, looseEquals, type Scalar } from "../values.ts";
import type { Matcher, Prepared } from "./types.ts";

/** A prepared list: a Set for the exact lookups plus the list for number/string cross-matches. */
export interface PreparedList {
  readonly exact: ReadonlySet<Scalar>;
  readonly values: readonly Scalar[];
  readonly hasNumbers: boolean;
}

/** Accepts a list of strings, numbers, booleans or nulls (shared by `in` and `not_in`). */
export function prepareList(op: string, value: unknown): Prepared<PreparedList> {
  if (!Array.isArray(value)) {
    return { ok: false, message: `operator \`${op}\` needs a list of values, got ${describeType(value)}` };
  }
  const bad = value.findIndex((v) => !isScalar(v));
  if (bad !== -1) {
    return {
      ok: false,
      message: `operator \`${op}\`: list item ${bad} must be a string, number, boolean or null, got ${describeType(value[bad])}`,
    };
  }
  const values = value as Scalar[];
  return {
    ok: true,
    prepared: {
      exact: new Set(values),
      values,
      hasNumbers: values.some((v) => typeof v === "number" || (typeof v === "string" && v.trim() !== "")),
    },
  };
}

export function inList(actual: unknown, list: PreparedList): boolean {
  if (list.exact.has(actual as Scalar)) return true;
  if (!list.hasNumbers || (typeof actual !== "number" && typeof actual !== "string")) return false;
  return list.values.some((v) => looseEquals(actual, v));
}

/** `in`: the field equals one of the listed values (same equality as `equals`). */
export const inMatcher: Matcher<PreparedList> = {
  op: "in",
  prepare: (value) => prepareList("in", value),
  matches: inList,
  explain: (field, value, holds) =>
    `\`${field}\` ${holds ? "is one of" : "is not one of"} ${codeList(Array.isArray(value) ? value : [value])}`,
};
