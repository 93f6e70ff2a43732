import { describeMatcher } from "../testing/matcher-table.ts";
import { startsWithMatcher } from "./starts-with.ts";

describeMatcher(startsWithMatcher, {
  accepts: ["heads/", ""],
  rejects: [{ value: 1, message: "operator `starts_with` needs a string value, got a number" }],
  cases: [
    { actual: "heads/main", value: "heads/", expected: true },
    { actual: "refs/heads/main", value: "heads/", expected: false },
    { actual: "anything", value: "", expected: true },
    { actual: 123, value: "1", expected: false },
    { actual: undefined, value: "", expected: false },
  ],
  explains: [
    { value: "heads/", holds: true, text: "`parameters.x` starts with `heads/`" },
    { value: "heads/", holds: false, text: "`parameters.x` does not start with `heads/`" },
  ],
});
