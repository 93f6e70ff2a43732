import { describeMatcher } from "../testing/matcher-table.ts";
import { containsMatcher } from "./contains.ts";

describeMatcher(containsMatcher, {
  accepts: ["prod", 3, true],
  rejects: [
    { value: null, message: "operator `contains` needs a string, number or boolean value, got null" },
    { value: ["a"], message: "operator `contains` needs a string, number or boolean value, got a list" },
  ],
  cases: [
    { actual: "deploy to prod now", value: "prod", expected: true },
    { actual: "deploy to staging", value: "prod", expected: false },
    { actual: ["admin", "write"], value: "admin", expected: true },
    { actual: ["admin", "write"], value: "read", expected: false },
    { actual: [1, 2, 3], value: 3, expected: true },
    { actual: ["3"], value: 3, expected: true },
    { actual: "v1.3", value: 3, expected: true },
    { actual: 1234, value: 3, expected: false },
    { actual: undefined, value: "x", expected: false },
    { actual: { prod: true }, value: "prod", expected: false },
  ],
  explains: [
    { value: "prod", holds: true, text: "`parameters.x` contains `prod`" },
    { value: "prod", holds: false, text: "`parameters.x` does not contain `prod`" },
  ],
});
