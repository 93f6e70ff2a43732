import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSafeRegex } from "./safe-regex.ts";

describe("compileSafeRegex rejects what cannot be matched safely or portably", () => {
  it.each([
    {
      name: "a backreference",
      pattern: "(\\w+)\\1",
      message: "uses a backreference; backreferences are not supported",
    },
    {
      name: "a named backreference",
      pattern: "(?<a>x)\\k<a>",
      message: "uses a backreference; backreferences are not supported",
    },
    {
      name: "a lookahead",
      pattern: "foo(?=bar)",
      message: "uses a lookahead; lookarounds are not supported",
    },
    {
      name: "a negative lookahead",
      pattern: "(?!x)y",
      message: "uses a lookahead; lookarounds are not supported",
    },
    { name: "a lookbehind", pattern: "(?<=a)b", message: "uses a lookbehind; lookarounds are not supported" },
    {
      name: "a nested quantifier",
      pattern: "(a+)+$",
      message:
        "nests a quantifier inside a quantifier at `(a+)`; nested repetition can take exponential time",
    },
    {
      name: "a nested star in a class repetition",
      pattern: "([a-z]*,)*",
      message:
        "nests a quantifier inside a quantifier at `[a-z]*`; nested repetition can take exponential time",
    },
    {
      name: "a counted nested quantifier",
      pattern: "(x{2,}){3,}",
      message:
        "nests a quantifier inside a quantifier at `(x{2,})`; nested repetition can take exponential time",
    },
    {
      name: "an ambiguous alternation under a star",
      pattern: "(a|ab)*c",
      message:
        "repeats an alternation whose branches `a` and `ab` can start with the same character; ambiguous repetition can take exponential time",
    },
    {
      name: "overlapping classes under a plus",
      pattern: "(\\d|1)+",
      message:
        "repeats an alternation whose branches `\\d` and `1` can start with the same character; ambiguous repetition can take exponential time",
    },
    {
      name: "an empty alternation under a star",
      pattern: "(|a)*",
      message: "repeats `(|a)`, which can match empty text; ambiguous repetition can take exponential time",
    },
    {
      name: "an empty branch under a star",
      pattern: "((|a)b)*",
      message:
        "repeats an alternation with a branch `` that can match empty text; ambiguous repetition can take exponential time",
    },
    {
      name: "a repeated body that can be empty",
      pattern: "(a?b?)*",
      message: "repeats `(a?b?)`, which can match empty text; ambiguous repetition can take exponential time",
    },
    {
      name: "a pattern over 512 characters",
      pattern: "a".repeat(513),
      message: "is longer than 512 characters",
    },
    {
      name: "a huge expansion",
      pattern: "[a-z]{1000}[0-9]{1000}[A-Z]{1000}x{1000}y{1000}",
      message: "compiles to more than 4000 instructions; use smaller repetition counts",
    },
    {
      name: "a repetition bound over 1000",
      pattern: "a{1001}",
      message: "has a repetition count above 1000",
    },
    {
      name: "unicode property escapes",
      pattern: "\\p{L}",
      message: "uses a unicode property escape, which is not supported",
    },
    { name: "an unclosed group", pattern: "(ab", message: "is missing a `)`" },
    { name: "an unmatched parenthesis", pattern: "ab)", message: "has an unmatched `)`" },
    { name: "an unclosed class", pattern: "[ab", message: "is missing a `]`" },
    { name: "a dangling quantifier", pattern: "*a", message: "has a quantifier with nothing to repeat" },
    { name: "a double quantifier", pattern: "a**", message: "has a quantifier with nothing to repeat" },
    {
      name: "a quantified anchor",
      pattern: "^*a",
      message: "repeats an anchor or a word boundary, which has nothing to repeat",
    },
    { name: "a reversed class range", pattern: "[z-a]", message: "has a class range out of order" },
    {
      name: "an octal escape",
      pattern: "\\01",
      message: "uses an octal escape; octal escapes are not supported",
    },
    { name: "a trailing backslash", pattern: "ab\\", message: "ends with `\\`" },
  ])("rejects $name", ({ pattern, message }) => {
    expect(compileSafeRegex(pattern)).toEqual({ ok: false, message });
  });

  it.each([
    "^heads/main$",
    "(foo|bar)+x",
    "^[a-z0-9._%+-]+@example\\.com$",
    "\\bprod(uction)?\\b",
    "^v\\d+\\.\\d+\\.\\d+$",
    "(?:ab|cd){2,3}",
    "(?<scheme>https?)://",
    "[\\d-z]",
    "colou?r",
    "\\u0041\\x42",
    "",
    "a{2}",
    "[^]",
    "[]",
    "a|ab",
  ])("accepts `%s`", (pattern) => {
    expect(compileSafeRegex(pattern).ok).toBe(true);
  });
});

const safePatterns = [
  "^heads/main$",
  "main",
  "(foo|bar)+x",
  "^[a-c]+$",
  "a.c",
  "\\bab\\b",
  "\\Bb",
  "^(ab|c)*$",
  "a{2,3}",
  "^a?b$",
  "[^a]c",
  "\\d+\\.\\d*",
  "\\s\\S",
  "$",
  "^",
  "x|y|^z",
  "(?:a|b)c{0,2}$",
  "\\W",
  "[a\\-c]",
  ".*c.*a",
];

describe("the linear matcher agrees with RegExp", () => {
  it.each([
    { pattern: "^heads/main$", subject: "heads/main", expected: true },
    { pattern: "^heads/main$", subject: "refs/heads/main", expected: false },
    { pattern: "main", subject: "refs/heads/main", expected: true },
    { pattern: "\\bprod\\b", subject: "in prod now", expected: true },
    { pattern: "\\bprod\\b", subject: "production", expected: false },
    { pattern: "a.c", subject: "a\nc", expected: false },
    { pattern: "[^]", subject: "\n", expected: true },
    { pattern: "[]", subject: "a", expected: false },
  ])("`$pattern` on `$subject` is $expected", ({ pattern, subject, expected }) => {
    const r = compileSafeRegex(pattern);
    if (!r.ok) throw new Error(r.message);
    expect(r.regex.test(subject)).toBe(expected);
    expect(new RegExp(pattern).test(subject)).toBe(expected);
  });

  it("gives RegExp's answer on random subjects for every accepted pattern", () => {
    const subject = fc
      .array(fc.constantFrom("a", "b", "c", "x", "y", "z", "1", ".", " ", "\n", "é"), { maxLength: 12 })
      .map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.constantFrom(...safePatterns), subject, (pattern, s) => {
        const r = compileSafeRegex(pattern);
        if (!r.ok) throw new Error(`${pattern}: ${r.message}`);
        expect(r.regex.test(s)).toBe(new RegExp(pattern).test(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("answers a pattern that is polynomial for backtracking engines on a 200,000-character input", () => {
    const r = compileSafeRegex("^.*a.*a.*a.*b$");
    if (!r.ok) throw new Error(r.message);
    expect(r.regex.test(`${"a".repeat(200_000)}!`)).toBe(false);
    expect(r.regex.test(`${"a".repeat(200_000)}b`)).toBe(true);
  });
});
