import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob } from "./glob.ts";
import { GlobIndex } from "./glob-index.ts";

function build(globs: readonly string[]): GlobIndex<number> {
  const index = new GlobIndex<number>();
  globs.forEach((source, i) => {
    const r = compileGlob(source);
    if (r.ok) index.add(r.glob, i);
  });
  return index;
}

function found(index: GlobIndex<number>, subject: string): number[] {
  const out: number[] = [];
  index.forEachMatch(subject, (i) => {
    out.push(i);
  });
  return out.sort((a, b) => a - b);
}

describe("GlobIndex", () => {
  it.each([
    { subject: "github.pr.merge", expected: [0, 1, 2, 4] },
    { subject: "github.repo.delete", expected: [1, 3, 4] },
    { subject: "stripe.charge.create", expected: [4, 5] },
    { subject: "", expected: [4] },
  ])("finds exactly the globs that match `$subject`", ({ subject, expected }) => {
    const index = build([
      "github.pr.merge",
      "github.*",
      "github.pr.*",
      "*.delete",
      "*",
      "stripe.charge.create",
    ]);
    expect(found(index, subject)).toEqual(expected);
  });

  it("finds every matching glob and only those (same answer as testing each glob)", () => {
    const alphabet = fc.constantFrom("a", "b", ".", "*", "é", "😀");
    const globArb = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(""));
    const subjectArb = fc
      .array(fc.constantFrom("a", "b", ".", "é", "😀"), { maxLength: 8 })
      .map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.array(globArb, { maxLength: 12 }), subjectArb, (globs, subject) => {
        const expected = globs
          .map((g, i) => ({ r: compileGlob(g), i }))
          .filter(({ r }) => r.ok && r.glob.matches(subject))
          .map(({ i }) => i);
        expect(found(build(globs), subject)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
