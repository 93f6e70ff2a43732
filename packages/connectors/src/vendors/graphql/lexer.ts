/**
 * A small, total, linear GraphQL lexer: just enough of the October 2021 spec
 * (names, numbers, strings and block strings, punctuators, comments, commas)
 * for the operation parser. One pass, no backtracking, no regex over input.
 */

/** Token kinds (numbers, for cheap comparisons). */
export const TokenKind = {
  Punct: 0,
  Name: 1,
  Number: 2,
  String: 3,
  Eof: 4,
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** Tokens as parallel arrays (cheap to build and scan). */
export interface Tokens {
  kinds: TokenKind[];
  /** Punctuator text (`{`, `...`), name, number text, or the decoded string. */
  values: string[];
}

/** Tokens, or why the document cannot be tokenised. */
export type LexResult = { ok: true; tokens: Tokens } | { ok: false; message: string };

/** Punctuator by char code (`!`, `$`, `&`, `(`, `)`, `:`, `=`, `@`, `[`, `]`, `{`, `|`, `}`). */
const PUNCT: string[] = new Array<string>(128).fill("");
for (const p of "!$&():=@[]{|}") PUNCT[p.charCodeAt(0)] = p;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isNameContinue(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Read once: bundlers may turn exported members into getters, costly in the loop.
const K_PUNCT = TokenKind.Punct;
const K_NAME = TokenKind.Name;
const K_NUMBER = TokenKind.Number;
const K_STRING = TokenKind.String;
const K_EOF = TokenKind.Eof;

/** Splits a GraphQL document into tokens, or says (in one sentence) why it cannot. Linear, total. */
export function lex(source: string): LexResult {
  const kinds: TokenKind[] = [];
  const values: string[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    // Ignored: BOM, whitespace, line terminators, commas.
    if (c === 0xfeff || c === 32 || c === 9 || c === 10 || c === 13 || c === 44) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && source.charCodeAt(i) !== 10 && source.charCodeAt(i) !== 13) i++;
      continue;
    }
    const punct = c < 128 ? (PUNCT[c] as string) : "";
    if (punct !== "") {
      kinds.push(K_PUNCT);
      values.push(punct);
      i++;
      continue;
    }
    if (c === 46 /* . */) {
      if (source.startsWith("...", i)) {
        kinds.push(K_PUNCT);
        values.push("...");
        i += 3;
        continue;
      }
      return { ok: false, message: `unexpected \`.\` at offset ${i}` };
    }
    if (isNameStart(c)) {
      const start = i;
      while (i < n && isNameContinue(source.charCodeAt(i))) i++;
      kinds.push(K_NAME);
      values.push(source.slice(start, i));
      continue;
    }
    if (c === 45 /* - */ || isDigit(c)) {
      const start = i;
      if (c === 45) i++;
      if (!isDigit(source.charCodeAt(i))) return { ok: false, message: `invalid number at offset ${start}` };
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      if (source.charCodeAt(i) === 46) {
        i++;
        if (!isDigit(source.charCodeAt(i)))
          return { ok: false, message: `invalid number at offset ${start}` };
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) {
        i++;
        const sign = source.charCodeAt(i);
        if (sign === 43 || sign === 45) i++;
        if (!isDigit(source.charCodeAt(i)))
          return { ok: false, message: `invalid number at offset ${start}` };
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      if (i < n && (isNameStart(source.charCodeAt(i)) || source.charCodeAt(i) === 46)) {
        return { ok: false, message: `invalid number at offset ${start}` };
      }
      kinds.push(K_NUMBER);
      values.push(source.slice(start, i));
      continue;
    }
    if (c === 34 /* " */) {
      const read = source.startsWith('"""', i) ? readBlockString(source, i) : readString(source, i);
      if (!read.ok) return read;
      kinds.push(K_STRING);
      values.push(read.value);
      i = read.end;
      continue;
    }
    return { ok: false, message: `unexpected character at offset ${i}` };
  }
  kinds.push(K_EOF);
  values.push("");
  return { ok: true, tokens: { kinds, values } };
}

type StringRead = { ok: true; value: string; end: number } | { ok: false; message: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function readString(source: string, start: number): StringRead {
  let i = start + 1;
  let out = "";
  let chunk = i;
  const n = source.length;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 34) {
      out += source.slice(chunk, i);
      return { ok: true, value: out, end: i + 1 };
    }
    if (c === 10 || c === 13) break;
    if (c === 92 /* \ */) {
      out += source.slice(chunk, i);
      const e = source[i + 1];
      if (e === undefined) break;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === "u") {
        const braced = source[i + 2] === "{";
        const close = braced ? source.indexOf("}", i + 3) : i + 6;
        const hex = braced ? source.slice(i + 3, close) : source.slice(i + 2, i + 6);
        if (
          close === -1 ||
          close - i > 12 ||
          !/^[0-9a-fA-F]{1,6}$/.test(hex) ||
          (!braced && hex.length !== 4)
        ) {
          return { ok: false, message: `invalid unicode escape at offset ${i}` };
        }
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) return { ok: false, message: `invalid unicode escape at offset ${i}` };
        out += String.fromCodePoint(cp);
        i = braced ? close + 1 : i + 6;
      } else {
        return { ok: false, message: `invalid escape at offset ${i}` };
      }
      chunk = i;
      continue;
    }
    i++;
  }
  return { ok: false, message: `unterminated string at offset ${start}` };
}

function readBlockString(source: string, start: number): StringRead {
  let i = start + 3;
  let out = "";
  let chunk = i;
  const n = source.length;
  while (i < n) {
    if (source.startsWith('"""', i)) {
      out += source.slice(chunk, i);
      return { ok: true, value: out, end: i + 3 };
    }
    if (source.startsWith('\\"""', i)) {
      out += `${source.slice(chunk, i)}"""`;
      i += 4;
      chunk = i;
      continue;
    }
    i++;
  }
  return { ok: false, message: `unterminated block string at offset ${start}` };
}
