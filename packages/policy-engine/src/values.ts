/** A value a condition may compare against: what `equals` and `in` accept. */
export type Scalar = string | number | boolean | null;

export function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === "string" ||
    (typeof value === "number" && Number.isFinite(value)) ||
    typeof value === "boolean" ||
    value === null
  );
}

const numericString = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The number a field value stands for: finite numbers as they are, numeric strings
 * (`"5000"`, `" 1.5e3 "`, as form-encoded bodies carry them) converted, anything else
 * undefined. Booleans are not numbers.
 */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.length <= 64 && numericString.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Equality used by `equals`, `in` and `contains` on lists: strict equality, except that a
 * number and a numeric string are equal when they denote the same number (`5000` and
 * `"5000"`). Case-sensitive; lists and mappings are never equal to anything.
 */
export function looseEquals(actual: unknown, expected: Scalar): boolean {
  if (actual === expected) return true;
  if (typeof expected === "number" && typeof actual === "string") return toNumber(actual) === expected;
  if (typeof expected === "string" && typeof actual === "number") {
    return Number.isFinite(actual) && toNumber(expected) === actual;
  }
  return false;
}
