import { describeMatcher } from "../testing/matcher-table.ts";
import { lteMatcher } from "./lte.ts";

describeMatcher(lteMatcher, {
  accepts: [3],
  rejects: [{ value: true, message: "operator `lte` needs a number value, got a boolean" }],
  cases: [
    { actual: 3, value: 3, expected: true },
    { actual: 4, value: 3, expected: false },
    { actual: "3.0", value: 3, expected: true },
  ],
  explains: [
    { value: 3, holds: true, text: "`parameters.x` is at most `3`" },
    { value: 3, holds: false, text: "`parameters.x` is not at most `3`" },
  ],
});
