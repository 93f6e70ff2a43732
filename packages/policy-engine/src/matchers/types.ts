import type { ConditionOperator } from "@tameflare/contracts";

export type Prepared<P> = { ok: true; prepared: P } | { ok: false; message: string };

/**
 * One condition operator. `prepare` checks the document's `value` once, at compile time,
 * and returns what `matches` needs (a Set, a compiled regex, a number…); its failure
 * message is a sentence fragment ("operator `in` needs a list of values, got a string").
 * `matches` is total: any field value (missing, wrong type, odd objects) gives a boolean.
 * `explain` says, in words a user reads, why the condition held (`holds`) or did not.
 */
export interface Matcher<P> {
  readonly op: ConditionOperator;
  prepare(value: unknown): Prepared<P>;
  matches(actual: unknown, prepared: P): boolean;
  explain(field: string, value: unknown, holds: boolean): string;
}
