import { orderingMatcher } from "./compare.ts";

/** `gt`: the field, as a number, is greater than the value. */
export const gtMatcher = orderingMatcher("gt", (a, b) => a > b, "is greater than", "is not greater than");
