import { describe, expect, it } from "vitest";
import { type CompiledGlob, compareSpecificity, compileGlob } from "./glob.ts";

function glob(source: string): CompiledGlob {
  const r = compileGlob(source);
  if (!r.ok) throw new Error(r.message);
  return r.glob;
}

describe("compileGlob", () => {
  it.each([
    { name: "empty", source: "", message: "is empty" },
    {
      name: "double star",
      source: "github.**",
      message: "has `**`; one `*` already matches any run of characters",
    },
    { name: "whitespace", source: "github pr", message: "contains whitespace or a control character" },
    { name: "control character", source: "a\u0000b", message: "contains whitespace or a control character" },
    { name: "too long", source: "a".repeat(513), message: "is longer than 512 characters" },
  ])("rejects a $name glob", ({ source, message }) => {
    expect(compileGlob(source)).toEqual({ ok: false, message });
  });

  it.each([
    { source: "github.pr.merge", subject: "github.pr.merge", expected: true },
    { source: "github.pr.merge", subject: "github.pr.merged", expected: false },
    { source: "github.pr.*", subject: "github.pr.merge", expected: true },
    { source: "github.pr.*", subject: "github.pr.", expected: true },
    { source: "github.pr.*", subject: "github.prs.merge", expected: false },
    { source: "github.*", subject: "github.pr.review.create", expected: true },
    { source: "*", subject: "", expected: true },
    { source: "*", subject: "anything.at.all", expected: true },
    { source: "*.delete", subject: "github.repo.delete", expected: true },
    { source: "*.delete", subject: "github.repo.deleted", expected: false },
    { source: "github.*.delete", subject: "github.repo.delete", expected: true },
    { source: "github.*.delete", subject: "github.delete", expected: false },
    { source: "a*b*c", subject: "abc", expected: true },
    { source: "a*b*c", subject: "aXbYc", expected: true },
    { source: "a*b*c", subject: "acb", expected: false },
    { source: "a*ab", subject: "aab", expected: true },
    { source: "a*ab", subject: "ab", expected: false },
    { source: "*a*a*a*b", subject: `${"a".repeat(5000)}`, expected: false },
    { source: "mcp.tools.*", subject: "mcp.tools.delete_repo", expected: true },
    { source: "x.(a|b)", subject: "x.a", expected: false },
    { source: "x.(a|b)", subject: "x.(a|b)", expected: true },
  ])(
    "`$source` matching `$subject` is $expected (anchored, `*` spans dots)",
    ({ source, subject, expected }) => {
      expect(glob(source).matches(subject)).toBe(expected);
    },
  );

  it("records the literal prefix, wildcard count and literal length used for specificity", () => {
    expect(glob("github.pr.*")).toMatchObject({
      exact: false,
      literalPrefix: "github.pr.",
      wildcards: 1,
      literalLength: 10,
    });
    expect(glob("github.pr.merge")).toMatchObject({
      exact: true,
      literalPrefix: "github.pr.merge",
      wildcards: 0,
    });
    expect(glob("*.delete")).toMatchObject({ literalPrefix: "", wildcards: 1, literalLength: 7 });
  });
});

describe("compareSpecificity", () => {
  it.each([
    { name: "exact beats any glob", a: "github.pr.merge", b: "github.pr.merg*" },
    { name: "a longer literal prefix beats a shorter one", a: "github.pr.*", b: "github.*" },
    { name: "fewer wildcards win at an equal prefix", a: "github.*.merge", b: "github.*.*" },
    {
      name: "more literal characters win at an equal prefix and wildcard count",
      a: "github.*.merge",
      b: "github.*",
    },
    { name: "a suffix glob is less specific than any prefix", a: "g*", b: "*.merge" },
  ])("$name", ({ a, b }) => {
    expect(compareSpecificity(glob(a), glob(b))).toBeGreaterThan(0);
    expect(compareSpecificity(glob(b), glob(a))).toBeLessThan(0);
  });

  it("reports equal specificity as 0 so callers can break the tie", () => {
    expect(compareSpecificity(glob("github.pr.*"), glob("github.pr.*"))).toBe(0);
  });
});
