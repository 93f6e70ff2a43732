/**
 * A problem in a policy document, located by its path in the document.
 * `message` is one lowercase sentence in Cedar's style, user input in backticks and
 * context joined with colons: "policy `protect-main`: rule `r2`: unknown operator `greater`".
 * `line` and `column` (1-based) are set when the document came from YAML text.
 */
export interface PolicyError {
  /** Where in the document, e.g. `policies[0].rules[1].when.any[0].op`; empty for the whole document. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** One step of a document path: a mapping key or a list index. */
export type PathSegment = string | number;

/** An error whose path is still a list of segments (so YAML positions can be looked up). */
export interface LocatedError {
  segments: readonly PathSegment[];
  message: string;
}

/** Formats segments as `policies[0].rules[1].when`; keys that are not identifiers are quoted. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Converts located errors to the public shape, dropping exact duplicates (same path and message). */
export function toPolicyErrors(errors: readonly LocatedError[]): PolicyError[] {
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const error of errors) {
    const path = formatPath(error.segments);
    const key = `${path}\u0000${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message: error.message });
  }
  return out;
}
