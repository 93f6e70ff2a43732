/**
 * Sets of UTF-16 code units as sorted, merged, inclusive ranges: `[lo0, hi0, lo1, hi1, …]`.
 * Patterns are matched per code unit, like a JavaScript `RegExp` without the `u` flag.
 */
export type Ranges = readonly number[];

const maxUnit = 0xffff;

/** Sorts and merges arbitrary inclusive pairs. */
export function normalizeRanges(pairs: readonly number[]): number[] {
  const list: [number, number][] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) list.push([pairs[i] as number, pairs[i + 1] as number]);
  list.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of list) {
    const lastHi = out[out.length - 1];
    if (lastHi !== undefined && lo <= lastHi + 1) out[out.length - 1] = Math.max(lastHi, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function negateRanges(ranges: Ranges): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i] as number;
    const hi = ranges[i + 1] as number;
    if (lo > next) out.push(next, lo - 1);
    next = hi + 1;
  }
  if (next <= maxUnit) out.push(next, maxUnit);
  return out;
}

export function unionRanges(a: Ranges, b: Ranges): number[] {
  return normalizeRanges([...a, ...b]);
}

export function rangesIntersect(a: Ranges, b: Ranges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const aLo = a[i] as number;
    const aHi = a[i + 1] as number;
    const bLo = b[j] as number;
    const bHi = b[j + 1] as number;
    if (aHi < bLo) i += 2;
    else if (bHi < aLo) j += 2;
    else return true;
  }
  return false;
}

export function rangesHave(ranges: Ranges, unit: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    if (unit < (ranges[i] as number)) return false;
    if (unit <= (ranges[i + 1] as number)) return true;
  }
  return false;
}

export const digitRanges: Ranges = [0x30, 0x39];
export const wordRanges: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** `\s` as JavaScript defines it (WhiteSpace and LineTerminator). */
export const spaceRanges: Ranges = normalizeRanges([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f,
  0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
]);
/** `.` without the `s` flag: anything but a line terminator. */
export const dotRanges: Ranges = negateRanges(normalizeRanges([0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029]));

export function isWordUnit(unit: number): boolean {
  return (
    (unit >= 0x30 && unit <= 0x39) ||
    (unit >= 0x41 && unit <= 0x5a) ||
    unit === 0x5f ||
    (unit >= 0x61 && unit <= 0x7a)
  );
}
