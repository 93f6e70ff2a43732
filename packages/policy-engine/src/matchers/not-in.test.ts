import { describeMatcher } from "../testing/matcher-table.ts";
import { notInMatcher } from "./not-in.ts";

describeMatcher(notInMatcher, {
  accepts: [["prod"], []],
  rejects: [{ value: 3, message: "operator `not_in` needs a list of values, got a number" }],
  cases: [
    { actual: "dev", value: ["prod", "staging"], expected: true },
    { actual: "prod", value: ["prod", "staging"], expected: false },
    { actual: undefined, value: ["prod"], expected: true },
    { actual: 5, value: ["5"], expected: false },
  ],
  explains: [
    { value: ["prod"], holds: true, text: "`parameters.x` is not one of `prod`" },
    { value: ["prod"], holds: false, text: "`parameters.x` is one of `prod`" },
  ],
});
