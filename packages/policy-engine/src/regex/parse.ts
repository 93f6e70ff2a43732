import {
  digitRanges,
  dotRanges,
  negateRanges,
  normalizeRanges,
  type Ranges,
  spaceRanges,
  wordRanges,
} from "./char-set.ts";

/** Longest pattern accepted, in characters. */
export const maxPatternLength = 512;
/** Largest `{n,m}` bound accepted. */
export const maxRepeatBound = 1000;

export type AssertKind = "bol" | "eol" | "word_boundary" | "not_word_boundary";

/** A parsed pattern. `start`/`end` index the pattern text, for messages. */
export type RegexNode =
  | { t: "empty"; start: number; end: number }
  | { t: "set"; ranges: Ranges; start: number; end: number }
  | { t: "seq"; items: RegexNode[]; start: number; end: number }
  | { t: "alt"; alts: RegexNode[]; start: number; end: number }
  | { t: "repeat"; body: RegexNode; min: number; max: number; start: number; end: number }
  | { t: "assert"; kind: AssertKind; start: number; end: number };

export type ParseOutcome = { ok: true; node: RegexNode } | { ok: false; message: string };

class ParseFailure {
  constructor(readonly message: string) {}
}

/**
 * Parses the subset of JavaScript regex syntax TameFlare supports: literals, `.`, classes,
 * `\d \w \s` (and negations), `\b \B`, `^ $`, groups (capturing, `(?:…)`, `(?<name>…)`),
 * `|`, and the quantifiers `* + ? {n} {n,} {n,m}` (lazy forms too). Backreferences,
 * lookaround, `\p{…}`, `\c` and octal escapes are rejected: they either need a
 * backtracking engine or mean different things in different engines.
 */
export function parseRegex(pattern: string): ParseOutcome {
  if (pattern.length > maxPatternLength) {
    return { ok: false, message: `is longer than ${maxPatternLength} characters` };
  }
  const parser = new Parser(pattern);
  try {
    const node = parser.parseAlternation();
    if (parser.pos < pattern.length) parser.fail("has an unmatched `)`");
    return { ok: true, node };
  } catch (cause) {
    if (cause instanceof ParseFailure) return { ok: false, message: cause.message };
    throw cause;
  }
}

const braceQuantifier = /^\{(\d+)(,(\d*))?\}/;

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string): never {
    throw new ParseFailure(message);
  }

  parseAlternation(): RegexNode {
    const start = this.pos;
    const alts = [this.parseSequence()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      alts.push(this.parseSequence());
    }
    return alts.length === 1 ? (alts[0] as RegexNode) : { t: "alt", alts, start, end: this.pos };
  }

  parseSequence(): RegexNode {
    const start = this.pos;
    const items: RegexNode[] = [];
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === "|" || ch === ")") break;
      const atom = this.parseAtom();
      items.push(this.parseQuantifiers(atom));
    }
    if (items.length === 0) return { t: "empty", start, end: this.pos };
    return items.length === 1 ? (items[0] as RegexNode) : { t: "seq", items, start, end: this.pos };
  }

  parseQuantifiers(atom: RegexNode): RegexNode {
    const q = this.readQuantifier();
    if (q === undefined) return atom;
    if (atom.t === "assert") this.fail("repeats an anchor or a word boundary, which has nothing to repeat");
    if (this.readQuantifier() !== undefined) this.fail("has a quantifier with nothing to repeat");
    return { t: "repeat", body: atom, min: q.min, max: q.max, start: atom.start, end: this.pos };
  }

  readQuantifier(): { min: number; max: number } | undefined {
    const ch = this.src[this.pos];
    let q: { min: number; max: number } | undefined;
    if (ch === "*") q = { min: 0, max: Number.POSITIVE_INFINITY };
    else if (ch === "+") q = { min: 1, max: Number.POSITIVE_INFINITY };
    else if (ch === "?") q = { min: 0, max: 1 };
    if (q !== undefined) {
      this.pos++;
    } else if (ch === "{") {
      const m = braceQuantifier.exec(this.src.slice(this.pos));
      if (m === null) return undefined;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
      if (min > maxRepeatBound || (Number.isFinite(max) && max > maxRepeatBound)) {
        this.fail(`has a repetition count above ${maxRepeatBound}`);
      }
      if (max < min) this.fail("has a `{n,m}` quantifier with m below n");
      this.pos += m[0].length;
      q = { min, max };
    } else {
      return undefined;
    }
    // A lazy quantifier matches the same strings; only the preferred match differs.
    if (this.src[this.pos] === "?") this.pos++;
    return q;
  }

  parseAtom(): RegexNode {
    const start = this.pos;
    const ch = this.src[this.pos] as string;
    switch (ch) {
      case "(":
        return this.parseGroup();
      case "[":
        return this.parseClass();
      case ".":
        this.pos++;
        return { t: "set", ranges: dotRanges, start, end: this.pos };
      case "^":
        this.pos++;
        return { t: "assert", kind: "bol", start, end: this.pos };
      case "$":
        this.pos++;
        return { t: "assert", kind: "eol", start, end: this.pos };
      case "\\":
        return this.parseEscape();
      case "*":
      case "+":
      case "?":
        return this.fail("has a quantifier with nothing to repeat");
      case "{":
        if (braceQuantifier.test(this.src.slice(this.pos))) {
          this.fail("has a quantifier with nothing to repeat");
        }
        break;
    }
    this.pos++;
    const unit = ch.charCodeAt(0);
    return { t: "set", ranges: [unit, unit], start, end: this.pos };
  }

  parseGroup(): RegexNode {
    const start = this.pos;
    this.pos++;
    if (this.src[this.pos] === "?") {
      const rest = this.src.slice(this.pos, this.pos + 3);
      if (rest.startsWith("?:")) {
        this.pos += 2;
      } else if (rest.startsWith("?=") || rest.startsWith("?!")) {
        this.fail("uses a lookahead; lookarounds are not supported");
      } else if (rest === "?<=" || rest === "?<!") {
        this.fail("uses a lookbehind; lookarounds are not supported");
      } else if (rest.startsWith("?<")) {
        const m = /^\?<([A-Za-z_$][A-Za-z0-9_$]*)>/.exec(this.src.slice(this.pos));
        if (m === null) this.fail("has an invalid group name");
        this.pos += m[0].length;
      } else {
        this.fail("has an unsupported group `(?`");
      }
    }
    const body = this.parseAlternation();
    if (this.src[this.pos] !== ")") this.fail("is missing a `)`");
    this.pos++;
    // The span covers the parentheses so messages quote `(a+)`, not `a+)`.
    return { ...body, start, end: this.pos };
  }

  parseEscape(): RegexNode {
    const start = this.pos;
    this.pos++;
    if (this.pos >= this.src.length) this.fail("ends with `\\`");
    const ch = this.src[this.pos] as string;
    this.pos++;
    const set = (ranges: Ranges): RegexNode => ({ t: "set", ranges, start, end: this.pos });
    switch (ch) {
      case "b":
        return { t: "assert", kind: "word_boundary", start, end: this.pos };
      case "B":
        return { t: "assert", kind: "not_word_boundary", start, end: this.pos };
      case "k":
        return this.fail("uses a backreference; backreferences are not supported");
      default: {
        if (ch >= "1" && ch <= "9") this.fail("uses a backreference; backreferences are not supported");
        const ranges = this.escapeRanges(ch);
        return set(ranges);
      }
    }
  }

  /** The set an escape stands for (shared by classes and the outside); `ch` is already consumed. */
  escapeRanges(ch: string): Ranges {
    switch (ch) {
      case "d":
        return digitRanges;
      case "D":
        return negateRanges(digitRanges);
      case "w":
        return wordRanges;
      case "W":
        return negateRanges(wordRanges);
      case "s":
        return spaceRanges;
      case "S":
        return negateRanges(spaceRanges);
      case "n":
        return [0x0a, 0x0a];
      case "r":
        return [0x0d, 0x0d];
      case "t":
        return [0x09, 0x09];
      case "v":
        return [0x0b, 0x0b];
      case "f":
        return [0x0c, 0x0c];
      case "0": {
        const next = this.src[this.pos];
        if (next !== undefined && next >= "0" && next <= "9") {
          this.fail("uses an octal escape; octal escapes are not supported");
        }
        return [0, 0];
      }
      case "x":
        return this.hexEscape(2, "\\x");
      case "u":
        return this.hexEscape(4, "\\u");
      case "c":
        return this.fail("uses a `\\c` control escape, which is not supported");
      case "p":
      case "P":
        return this.fail("uses a unicode property escape, which is not supported");
      default: {
        const unit = ch.charCodeAt(0);
        return [unit, unit];
      }
    }
  }

  hexEscape(digits: number, name: string): Ranges {
    const text = this.src.slice(this.pos, this.pos + digits);
    if (text.length !== digits || !/^[0-9A-Fa-f]+$/.test(text))
      this.fail(`has an invalid \`${name}\` escape`);
    this.pos += digits;
    const unit = Number.parseInt(text, 16);
    return [unit, unit];
  }

  parseClass(): RegexNode {
    const start = this.pos;
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === "^") {
      negated = true;
      this.pos++;
    }
    const pairs: number[] = [];
    while (true) {
      if (this.pos >= this.src.length) this.fail("is missing a `]`");
      if (this.src[this.pos] === "]") {
        this.pos++;
        break;
      }
      const from = this.classAtom();
      if (
        this.src[this.pos] === "-" &&
        this.pos + 1 < this.src.length &&
        this.src[this.pos + 1] !== "]" &&
        from.single !== undefined
      ) {
        this.pos++;
        const to = this.classAtom();
        if (to.single === undefined) {
          // `[a-\d]`: like JavaScript (Annex B), the `-` is a literal.
          pairs.push(...from.ranges, 0x2d, 0x2d, ...to.ranges);
          continue;
        }
        if (to.single < from.single) this.fail("has a class range out of order");
        pairs.push(from.single, to.single);
        continue;
      }
      pairs.push(...from.ranges);
    }
    const merged = normalizeRanges(pairs);
    return { t: "set", ranges: negated ? negateRanges(merged) : merged, start, end: this.pos };
  }

  classAtom(): { ranges: Ranges; single: number | undefined } {
    const ch = this.src[this.pos] as string;
    this.pos++;
    if (ch !== "\\") {
      const unit = ch.charCodeAt(0);
      return { ranges: [unit, unit], single: unit };
    }
    if (this.pos >= this.src.length) this.fail("ends with `\\`");
    const esc = this.src[this.pos] as string;
    this.pos++;
    if (esc === "b") return { ranges: [0x08, 0x08], single: 0x08 };
    if (esc >= "1" && esc <= "9")
      this.fail("uses an octal escape in a class; octal escapes are not supported");
    const ranges = this.escapeRanges(esc);
    const single = ranges.length === 2 && ranges[0] === ranges[1] ? ranges[0] : undefined;
    return { ranges, single };
  }
}
