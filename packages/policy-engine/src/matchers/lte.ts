import { orderingMatcher } from "./compare.ts";

/** `lte`: the field, as a number, is less than or equal to the value. */
export const lteMatcher = orderingMatcher("lte", (a, b) => a <= b, "is at most", "is not at most");
