import { describeMatcher } from "../testing/matcher-table.ts";
import { notContainsMatcher } from "./not-contains.ts";

describeMatcher(notContainsMatcher, {
  accepts: ["secret", 1],
  rejects: [
    {
      value: undefined,
      message: "operator `not_contains` needs a string, number or boolean value, got nothing",
    },
  ],
  cases: [
    { actual: "hello", value: "secret", expected: true },
    { actual: "my secret", value: "secret", expected: false },
    { actual: ["a", "secret"], value: "secret", expected: false },
    { actual: undefined, value: "secret", expected: true },
  ],
  explains: [
    { value: "secret", holds: true, text: "`parameters.x` does not contain `secret`" },
    { value: "secret", holds: false, text: "`parameters.x` contains `secret`" },
  ],
});
