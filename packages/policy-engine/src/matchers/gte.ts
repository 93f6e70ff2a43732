import { orderingMatcher } from "./compare.ts";

/** `gte`: the field, as a number, is greater than or equal to the value. */
export const gteMatcher = orderingMatcher("gte", (a, b) => a >= b, "is at least", "is not at least");
