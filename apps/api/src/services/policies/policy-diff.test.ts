import { describe, expect, it } from "vitest";
import { diffLines, formatDiff } from "./policy-diff.ts";

describe("diffLines", () => {
  const cases: Array<{ name: string; before: string; after: string; expected: string }> = [
    { name: "identical texts have no changed line", before: "a\nb\n", after: "a\nb\n", expected: " a\n b" },
    {
      name: "a changed line is removed then added in place",
      before: "a\nb\nc\n",
      after: "a\nB\nc\n",
      expected: " a\n-b\n+B\n c",
    },
    { name: "an added line appears with +", before: "a\nc\n", after: "a\nb\nc\n", expected: " a\n+b\n c" },
    { name: "a removed line appears with -", before: "a\nb\nc\n", after: "a\nc\n", expected: " a\n-b\n c" },
    { name: "an empty old text makes every line added", before: "", after: "x\ny", expected: "+x\n+y" },
    {
      name: "unchanged lines between changes are kept",
      before: "name: p\nrules:\n  - a\n  - b\n",
      after: "name: q\nrules:\n  - a\n  - c\n",
      expected: "-name: p\n+name: q\n rules:\n   - a\n-  - b\n+  - c",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(formatDiff(diffLines(c.before, c.after))).toBe(c.expected);
    });
  }
});
