import type { ConditionOperator } from "@tameflare/contracts";
import { containsMatcher } from "./contains.ts";
import { endsWithMatcher } from "./ends-with.ts";
import { equalsMatcher } from "./equals.ts";
import { existsMatcher } from "./exists.ts";
import { gtMatcher } from "./gt.ts";
import { gteMatcher } from "./gte.ts";
import { inMatcher } from "./in.ts";
import { ltMatcher } from "./lt.ts";
import { lteMatcher } from "./lte.ts";
import { matchesMatcher } from "./matches.ts";
import { notContainsMatcher } from "./not-contains.ts";
import { notEqualsMatcher } from "./not-equals.ts";
import { notInMatcher } from "./not-in.ts";
import { startsWithMatcher } from "./starts-with.ts";
import type { Matcher } from "./types.ts";

export type { Matcher, Prepared } from "./types.ts";

/** Every operator's matcher, listed explicitly (no discovery magic). */
export const matchers: { readonly [K in ConditionOperator]: Matcher<unknown> } = {
  equals: equalsMatcher,
  not_equals: notEqualsMatcher,
  in: inMatcher,
  not_in: notInMatcher,
  contains: containsMatcher,
  not_contains: notContainsMatcher,
  starts_with: startsWithMatcher,
  ends_with: endsWithMatcher,
  matches: matchesMatcher,
  gt: gtMatcher,
  gte: gteMatcher,
  lt: ltMatcher,
  lte: lteMatcher,
  exists: existsMatcher,
};

/** Looks an operator up without trusting the input to be one. */
export function matcherFor(op: unknown): Matcher<unknown> | undefined {
  return typeof op === "string" && Object.hasOwn(matchers, op)
    ? matchers[op as ConditionOperator]
    : undefined;
}
