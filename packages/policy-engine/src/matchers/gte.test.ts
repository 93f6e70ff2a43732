import { describeMatcher } from "../testing/matcher-table.ts";
import { gteMatcher } from "./gte.ts";

describeMatcher(gteMatcher, {
  accepts: [10],
  rejects: [{ value: null, message: "operator `gte` needs a number value, got null" }],
  cases: [
    { actual: 10, value: 10, expected: true },
    { actual: 9.99, value: 10, expected: false },
    { actual: " 10 ", value: 10, expected: true },
  ],
  explains: [
    { value: 10, holds: true, text: "`parameters.x` is at least `10`" },
    { value: 10, holds: false, text: "`parameters.x` is not at least `10`" },
  ],
});
