import { describeMatcher } from "../testing/matcher-table.ts";
import { equalsMatcher } from "./equals.ts";

describeMatcher(equalsMatcher, {
  accepts: ["main", 0, true, null],
  rejects: [
    {
      value: ["main"],
      message: "operator `equals` needs a string, number, boolean or null value, got a list",
    },
    {
      value: { a: 1 },
      message: "operator `equals` needs a string, number, boolean or null value, got a mapping",
    },
    {
      value: undefined,
      message: "operator `equals` needs a string, number, boolean or null value, got nothing",
    },
    {
      value: Number.NaN,
      message: "operator `equals` needs a string, number, boolean or null value, got a number",
    },
  ],
  cases: [
    { actual: "heads/main", value: "heads/main", expected: true },
    { actual: "heads/Main", value: "heads/main", expected: false },
    { actual: 5000, value: "5000", expected: true },
    { actual: "5000", value: 5000, expected: true },
    { actual: true, value: true, expected: true },
    { actual: "true", value: true, expected: false },
    { actual: null, value: null, expected: true },
    { actual: undefined, value: null, expected: false },
    { actual: ["a"], value: "a", expected: false },
  ],
  explains: [
    { value: "heads/main", holds: true, text: "`parameters.x` equals `heads/main`" },
    { value: "heads/main", holds: false, text: "`parameters.x` does not equal `heads/main`" },
  ],
});
