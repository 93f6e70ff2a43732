import { describeMatcher } from "../testing/matcher-table.ts";
import { notEqualsMatcher } from "./not-equals.ts";

describeMatcher(notEqualsMatcher, {
  accepts: ["main", 1, false, null],
  rejects: [
    {
      value: [1],
      message: "operator `not_equals` needs a string, number, boolean or null value, got a list",
    },
  ],
  cases: [
    { actual: "dev", value: "main", expected: true },
    { actual: "main", value: "main", expected: false },
    { actual: "10", value: 10, expected: false },
    { actual: undefined, value: "main", expected: true },
  ],
  explains: [
    { value: "main", holds: true, text: "`parameters.x` does not equal `main`" },
    { value: "main", holds: false, text: "`parameters.x` equals `main`" },
  ],
});
