import { describe, expect, it } from "vitest";
import { csvField } from "./export-audit-http.ts";

describe("csvField", () => {
  const cases: { name: string; value: unknown; expected: string }[] = [
    { name: "plain text stays as is", value: "github.pr.merge", expected: "github.pr.merge" },
    { name: "null and undefined are empty", value: null, expected: "" },
    { name: "numbers are written as numbers (a negative one is not defused)", value: -1.5, expected: "-1.5" },
    { name: "a comma quotes the field", value: "a,b", expected: '"a,b"' },
    { name: "quotes are doubled inside quotes", value: 'say "hi"', expected: '"say ""hi"""' },
    { name: "a newline quotes the field", value: "line1\nline2", expected: '"line1\nline2"' },
    {
      name: "a leading = is defused so spreadsheets do not run it",
      value: "=HYPERLINK(1)",
      expected: "'=HYPERLINK(1)",
    },
    { name: "a leading + - @ is defused too", value: "@SUM(A1)", expected: "'@SUM(A1)" },
    { name: "a defused field with a comma is also quoted", value: "=1,2", expected: `"'=1,2"` },
  ];
  for (const c of cases) {
    it(c.name, () => expect(csvField(c.value)).toBe(c.expected));
  }
});
