import { describe, expect, it } from "vitest";
import type { Matcher } from "../matchers/types.ts";

/** The table every matcher's unit test fills in. */
export interface MatcherTable {
  /** Document values `prepare` accepts. */
  accepts: unknown[];
  /** Document values `prepare` rejects, with the message fragment. */
  rejects: { value: unknown; message: string }[];
  /** Field value (`actual`) against document value (`value`). */
  cases: { actual: unknown; value: unknown; expected: boolean }[];
  /** Explanations for field `parameters.x`. */
  explains: { value: unknown; holds: boolean; text: string }[];
}

/** Runs one matcher's table: value checks, matching, explanations, and totality on odd input. */
export function describeMatcher(matcher: Matcher<unknown>, table: MatcherTable): void {
  describe(`operator \`${matcher.op}\``, () => {
    it.each(table.accepts.map((value) => ({ value })))("accepts the value $value", ({ value }) => {
      expect(matcher.prepare(value).ok).toBe(true);
    });

    it.each(table.rejects)("rejects the value $value with a clear message", ({ value, message }) => {
      expect(matcher.prepare(value)).toEqual({ ok: false, message });
    });

    it.each(table.cases)("field $actual against $value is $expected", ({ actual, value, expected }) => {
      const prepared = matcher.prepare(value);
      if (!prepared.ok) throw new Error(prepared.message);
      expect(matcher.matches(actual, prepared.prepared)).toBe(expected);
    });

    it.each(table.explains)("explains $value (holds: $holds) as a sentence", ({ value, holds, text }) => {
      expect(matcher.explain("parameters.x", value, holds)).toBe(text);
    });

    it("never throws on odd field values", () => {
      const odd: unknown[] = [
        undefined,
        null,
        Number.NaN,
        {},
        [],
        [[]],
        Symbol("s"),
        () => 1,
        10n,
        new Date(0),
      ];
      for (const value of table.accepts) {
        const prepared = matcher.prepare(value);
        if (!prepared.ok) continue;
        for (const actual of odd) expect(typeof matcher.matches(actual, prepared.prepared)).toBe("boolean");
      }
    });
  });
}
