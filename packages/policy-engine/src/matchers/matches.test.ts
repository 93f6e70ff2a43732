import { describeMatcher } from "../testing/matcher-table.ts";
import { matchesMatcher } from "./matches.ts";

describeMatcher(matchesMatcher, {
  accepts: ["^heads/(main|master)$", "prod", ""],
  rejects: [
    { value: 5, message: "operator `matches` needs a string value, got a number" },
    {
      value: "(a+)+$",
      message:
        "unsafe or invalid regex `(a+)+$`: it nests a quantifier inside a quantifier at `(a+)`; nested repetition can take exponential time",
    },
    {
      value: "(\\w)\\1",
      message:
        "unsafe or invalid regex `(\\w)\\1`: it uses a backreference; backreferences are not supported",
    },
  ],
  cases: [
    { actual: "heads/main", value: "^heads/(main|master)$", expected: true },
    { actual: "heads/main2", value: "^heads/(main|master)$", expected: false },
    { actual: "in prod", value: "prod", expected: true },
    { actual: 123, value: "\\d+", expected: false },
    { actual: undefined, value: "", expected: false },
  ],
  explains: [
    { value: "^v\\d+$", holds: true, text: "`parameters.x` matches `^v\\d+$`" },
    { value: "^v\\d+$", holds: false, text: "`parameters.x` does not match `^v\\d+$`" },
  ],
});
