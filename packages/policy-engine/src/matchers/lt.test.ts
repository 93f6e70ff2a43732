import { describeMatcher } from "../testing/matcher-table.ts";
import { ltMatcher } from "./lt.ts";

describeMatcher(ltMatcher, {
  accepts: [100],
  rejects: [{ value: [1], message: "operator `lt` needs a number value, got a list" }],
  cases: [
    { actual: 99, value: 100, expected: true },
    { actual: 100, value: 100, expected: false },
    { actual: "-5", value: 0, expected: true },
    { actual: "", value: 100, expected: false },
  ],
  explains: [
    { value: 100, holds: true, text: "`parameters.x` is less than `100`" },
    { value: 100, holds: false, text: "`parameters.x` is not less than `100`" },
  ],
});
