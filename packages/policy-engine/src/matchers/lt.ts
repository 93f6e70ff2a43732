import { orderingMatcher } from "./compare.ts";

/** `lt`: the field, as a number, is less than the value. */
export const ltMatcher = orderingMatcher("lt", (a, b) => a < b, "is less than", "is not less than");
