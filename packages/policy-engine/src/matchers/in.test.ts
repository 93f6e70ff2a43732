import { describeMatcher } from "../testing/matcher-table.ts";
import { inMatcher } from "./in.ts";

describeMatcher(inMatcher, {
  accepts: [["usd", "eur"], [], [1, "2", null, true]],
  rejects: [
    { value: "usd", message: "operator `in` needs a list of values, got a string" },
    { value: undefined, message: "operator `in` needs a list of values, got nothing" },
    {
      value: ["a", { b: 1 }],
      message: "operator `in`: list item 1 must be a string, number, boolean or null, got a mapping",
    },
  ],
  cases: [
    { actual: "usd", value: ["usd", "eur"], expected: true },
    { actual: "gbp", value: ["usd", "eur"], expected: false },
    { actual: "USD", value: ["usd"], expected: false },
    { actual: 2, value: ["1", "2"], expected: true },
    { actual: "2", value: [1, 2], expected: true },
    { actual: undefined, value: ["a"], expected: false },
    { actual: ["usd"], value: ["usd"], expected: false },
    { actual: "x", value: [], expected: false },
  ],
  explains: [
    { value: ["usd", "eur"], holds: true, text: "`parameters.x` is one of `usd` or `eur`" },
    {
      value: ["usd", "eur", "gbp"],
      holds: false,
      text: "`parameters.x` is not one of `usd`, `eur` or `gbp`",
    },
  ],
});
