import { isWordUnit, type Ranges } from "./char-set.ts";
import type { AssertKind, RegexNode } from "./parse.ts";

/** Largest compiled program accepted (instructions), bounding `{n,m}` expansion. */
export const maxProgramSize = 4000;

const opSet = 0;
const opSplit = 1;
const opJump = 2;
const opAssert = 3;
const opMatch = 4;

const assertCodes: Record<AssertKind, number> = {
  bol: 0,
  eol: 1,
  word_boundary: 2,
  not_word_boundary: 3,
};

/** A compiled pattern. `test` has `RegExp.prototype.test` semantics (unanchored search). */
export interface LinearRegex {
  readonly source: string;
  test(subject: string): boolean;
}

export type CompileOutcome = { ok: true; regex: LinearRegex } | { ok: false; message: string };

class TooLarge {}

/**
 * Compiles a parsed pattern to a Thompson NFA run as a Pike VM: every input unit is
 * read once and each instruction is visited at most once per unit, so `test` takes
 * O(subject length × program size) time whatever the pattern and input.
 */
export function compileLinearRegex(node: RegexNode, source: string): CompileOutcome {
  const ops: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const sets: Ranges[] = [];
  const emit = (op: number, x = 0, y = 0): number => {
    if (ops.length >= maxProgramSize) throw new TooLarge();
    ops.push(op);
    xs.push(x);
    ys.push(y);
    return ops.length - 1;
  };
  const gen = (n: RegexNode): void => {
    switch (n.t) {
      case "empty":
        return;
      case "set":
        sets.push(n.ranges);
        emit(opSet, sets.length - 1);
        return;
      case "assert":
        emit(opAssert, assertCodes[n.kind]);
        return;
      case "seq":
        for (const item of n.items) gen(item);
        return;
      case "alt": {
        // split L1, next; L1: a; jmp end; next: split L2, … ; last branch falls through.
        const jumps: number[] = [];
        n.alts.forEach((alt, i) => {
          if (i < n.alts.length - 1) {
            const split = emit(opSplit);
            xs[split] = ops.length;
            gen(alt);
            jumps.push(emit(opJump));
            ys[split] = ops.length;
          } else {
            gen(alt);
          }
        });
        for (const j of jumps) xs[j] = ops.length;
        return;
      }
      case "repeat": {
        for (let i = 0; i < n.min; i++) gen(n.body);
        if (n.max === Number.POSITIVE_INFINITY) {
          // L: split body, out; body; jmp L
          const split = emit(opSplit);
          xs[split] = ops.length;
          gen(n.body);
          emit(opJump, split);
          ys[split] = ops.length;
          return;
        }
        const splits: number[] = [];
        for (let i = n.min; i < n.max; i++) {
          const split = emit(opSplit);
          xs[split] = ops.length;
          splits.push(split);
          gen(n.body);
        }
        for (const s of splits) ys[s] = ops.length;
        return;
      }
    }
  };
  try {
    gen(node);
    emit(opMatch);
  } catch (cause) {
    if (cause instanceof TooLarge) {
      return {
        ok: false,
        message: `compiles to more than ${maxProgramSize} instructions; use smaller repetition counts`,
      };
    }
    throw cause;
  }
  const anchored = startsWithBol(node);
  return { ok: true, regex: makeMatcher(source, ops, xs, ys, sets, anchored) };
}

function startsWithBol(node: RegexNode): boolean {
  if (node.t === "assert") return node.kind === "bol";
  if (node.t === "seq") return node.items[0] !== undefined && startsWithBol(node.items[0]);
  if (node.t === "alt") return node.alts.every(startsWithBol);
  return false;
}

/** A set membership test: a bitmap for ASCII, a range scan above it. */
function setTester(ranges: Ranges): (unit: number) => boolean {
  const ascii = new Uint8Array(128);
  const high: number[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i] as number;
    const hi = ranges[i + 1] as number;
    for (let u = lo; u <= Math.min(hi, 127); u++) ascii[u] = 1;
    if (hi >= 128) high.push(Math.max(lo, 128), hi);
  }
  return (unit) => {
    if (unit < 128) return ascii[unit] === 1;
    for (let i = 0; i < high.length; i += 2) {
      if (unit < (high[i] as number)) return false;
      if (unit <= (high[i + 1] as number)) return true;
    }
    return false;
  };
}

function makeMatcher(
  source: string,
  opList: number[],
  xList: number[],
  yList: number[],
  setList: Ranges[],
  anchored: boolean,
): LinearRegex {
  const size = opList.length;
  const op = Uint8Array.from(opList);
  const x = Int32Array.from(xList);
  const y = Int32Array.from(yList);
  const testers = setList.map(setTester);
  // Scratch space reused across calls: `test` never re-enters itself (it calls nothing
  // that could), so sharing it is safe and keeps a match allocation-free.
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  const marks = new Float64Array(size);
  const stack = new Int32Array(size + 1);
  let generation = 0;

  const assertHolds = (kind: number, subject: string, pos: number): boolean => {
    switch (kind) {
      case 0:
        return pos === 0;
      case 1:
        return pos === subject.length;
      default: {
        const before = pos > 0 && isWordUnit(subject.charCodeAt(pos - 1));
        const after = pos < subject.length && isWordUnit(subject.charCodeAt(pos));
        return kind === 2 ? before !== after : before === after;
      }
    }
  };

  /** Adds `pc` and everything reachable from it without reading input; returns the new count. */
  const addThread = (list: Int32Array, count: number, pc: number, subject: string, pos: number): number => {
    let n = count;
    let top = 0;
    stack[top++] = pc;
    while (top > 0) {
      const at = stack[--top] as number;
      if (marks[at] === generation) continue;
      marks[at] = generation;
      switch (op[at]) {
        case opJump:
          stack[top++] = x[at] as number;
          break;
        case opSplit:
          // Push y first so x is explored first (order does not change a yes/no answer).
          stack[top++] = y[at] as number;
          stack[top++] = x[at] as number;
          break;
        case opAssert:
          if (assertHolds(x[at] as number, subject, pos)) stack[top++] = at + 1;
          break;
        default:
          list[n++] = at;
      }
    }
    return n;
  };

  const test = (subject: string): boolean => {
    const length = subject.length;
    let count = 0;
    // Threads for one input position share one generation, whether they arrived by
    // reading the previous unit or by starting a new attempt here, so each instruction
    // is queued at most once per position.
    generation++;
    for (let pos = 0; pos <= length; pos++) {
      if (!anchored || pos === 0) count = addThread(current, count, 0, subject, pos);
      else if (count === 0) return false;
      const unit = pos < length ? subject.charCodeAt(pos) : -1;
      generation++;
      let nextCount = 0;
      for (let i = 0; i < count; i++) {
        const pc = current[i] as number;
        if (op[pc] === opMatch) return true;
        if (unit >= 0 && (testers[x[pc] as number] as (u: number) => boolean)(unit)) {
          nextCount = addThread(next, nextCount, pc + 1, subject, pos + 1);
        }
      }
      const swap = current;
      current = next;
      next = swap;
      count = nextCount;
    }
    return false;
  };

  return { source, test };
}
