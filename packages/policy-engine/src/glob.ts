/** Longest glob accepted (action types are at most 512 characters, see `actionSchema`). */
export const maxGlobLength = 512;

/**
 * A compiled `*` glob. `*` matches any run of characters (dots included), every other
 * character matches itself, and the whole subject must match (anchored both ends).
 * Matching splits the glob at `*` once, at compile time, and scans the subject left to
 * right with `startsWith` / `indexOf` / `endsWith`: for `*`-only globs the leftmost
 * placement of each middle segment is always safe, so no backtracking happens and a
 * match costs O(subject length × glob length) at worst.
 */
export interface CompiledGlob {
  readonly source: string;
  /** True when the glob has no `*`: it matches exactly one string. */
  readonly exact: boolean;
  /** The characters before the first `*` (the whole glob when exact). */
  readonly literalPrefix: string;
  readonly wildcards: number;
  /** Count of non-`*` characters. */
  readonly literalLength: number;
  matches(subject: string): boolean;
}

/** A glob compile outcome; `message` is a sentence fragment ("is empty", …). */
export type GlobResult = { ok: true; glob: CompiledGlob } | { ok: false; message: string };

/**
 * Compiles a glob. Rejected: empty globs, globs over {@link maxGlobLength} characters,
 * control or whitespace characters, and `**` (one `*` already matches any run).
 */
export function compileGlob(source: string): GlobResult {
  if (source.length === 0) return { ok: false, message: "is empty" };
  if (source.length > maxGlobLength) {
    return { ok: false, message: `is longer than ${maxGlobLength} characters` };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected here.
  if (/[\s\u0000-\u001f\u007f]/.test(source)) {
    return { ok: false, message: "contains whitespace or a control character" };
  }
  if (source.includes("**")) {
    return { ok: false, message: "has `**`; one `*` already matches any run of characters" };
  }
  const parts = source.split("*");
  const first = parts[0] ?? "";
  const wildcards = parts.length - 1;
  const literalLength = source.length - wildcards;
  if (wildcards === 0) {
    return {
      ok: true,
      glob: {
        source,
        exact: true,
        literalPrefix: source,
        wildcards,
        literalLength,
        matches: (subject) => subject === source,
      },
    };
  }
  const last = parts[parts.length - 1] ?? "";
  const middle = parts.slice(1, -1).filter((p) => p !== "");
  const minLength = first.length + last.length;
  const matches = (subject: string): boolean => {
    if (subject.length < minLength || !subject.startsWith(first) || !subject.endsWith(last)) return false;
    let position = first.length;
    const end = subject.length - last.length;
    for (const part of middle) {
      const at = subject.indexOf(part, position);
      if (at === -1 || at + part.length > end) return false;
      position = at + part.length;
    }
    return true;
  };
  return {
    ok: true,
    glob: { source, exact: false, literalPrefix: first, wildcards, literalLength, matches },
  };
}

/**
 * Orders globs by how specific they are; positive when `a` is more specific than `b`.
 * Exact beats any glob, then the longer literal prefix, then fewer wildcards, then more
 * literal characters in total. Equal specificity returns 0 (callers break the tie).
 */
export function compareSpecificity(a: CompiledGlob, b: CompiledGlob): number {
  if (a.exact !== b.exact) return a.exact ? 1 : -1;
  return (
    a.literalPrefix.length - b.literalPrefix.length ||
    b.wildcards - a.wildcards ||
    a.literalLength - b.literalLength
  );
}
