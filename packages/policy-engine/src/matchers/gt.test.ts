import { describeMatcher } from "../testing/matcher-table.ts";
import { gtMatcher } from "./gt.ts";

describeMatcher(gtMatcher, {
  accepts: [50000, 0, -1.5],
  rejects: [
    { value: "50000", message: "operator `gt` needs a number value, got a string" },
    { value: Number.POSITIVE_INFINITY, message: "operator `gt` needs a number value, got a number" },
  ],
  cases: [
    { actual: 60000, value: 50000, expected: true },
    { actual: 50000, value: 50000, expected: false },
    { actual: "60000", value: 50000, expected: true },
    { actual: "lots", value: 50000, expected: false },
    { actual: undefined, value: 0, expected: false },
    { actual: true, value: 0, expected: false },
  ],
  explains: [
    { value: 50000, holds: true, text: "`parameters.x` is greater than `50000`" },
    { value: 50000, holds: false, text: "`parameters.x` is not greater than `50000`" },
  ],
});
