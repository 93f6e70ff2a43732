import { describeMatcher } from "../testing/matcher-table.ts";
import { existsMatcher } from "./exists.ts";

describeMatcher(existsMatcher, {
  accepts: [true, false, undefined],
  rejects: [{ value: "yes", message: "operator `exists` needs `true` or `false`, got a string" }],
  cases: [
    { actual: "x", value: true, expected: true },
    { actual: 0, value: true, expected: true },
    { actual: "", value: undefined, expected: true },
    { actual: undefined, value: true, expected: false },
    { actual: null, value: true, expected: false },
    { actual: undefined, value: false, expected: true },
    { actual: "x", value: false, expected: false },
  ],
  explains: [
    { value: true, holds: true, text: "`parameters.x` is present" },
    { value: true, holds: false, text: "`parameters.x` is missing" },
    { value: false, holds: true, text: "`parameters.x` is missing" },
    { value: false, holds: false, text: "`parameters.x` is present" },
  ],
});
