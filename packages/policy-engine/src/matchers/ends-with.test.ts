import { describeMatcher } from "../testing/matcher-table.ts";
import { endsWithMatcher } from "./ends-with.ts";

describeMatcher(endsWithMatcher, {
  accepts: ["@example.com"],
  rejects: [{ value: ["x"], message: "operator `ends_with` needs a string value, got a list" }],
  cases: [
    { actual: "bob@example.com", value: "@example.com", expected: true },
    { actual: "bob@example.com.evil", value: "@example.com", expected: false },
    { actual: ["bob@example.com"], value: "@example.com", expected: false },
  ],
  explains: [
    { value: ".env", holds: true, text: "`parameters.x` ends with `.env`" },
    { value: ".env", holds: false, text: "`parameters.x` does not end with `.env`" },
  ],
});
