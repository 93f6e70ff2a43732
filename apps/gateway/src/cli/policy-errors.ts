import { pathSegments, yamlLineFinder } from "./yaml-lines.ts";

/** A validation error with a document path; `line` when the parser already knows it. */
export interface PolicyErrorLike {
  path: string | readonly (string | number)[];
  message: string;
  line?: number;
}

/** `connectors[0].credential` from any path spelling; `(document)` for the root. */
export function displayPath(path: PolicyErrorLike["path"]): string {
  const segments = pathSegments(path);
  if (segments.length === 0) return "(document)";
  return segments
    .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
}

/** Formats errors as `FILE:LINE: path: message`, the line found in the YAML text. */
export function formatPolicyErrors(file: string, text: string, errors: readonly PolicyErrorLike[]): string[] {
  const lineOf = yamlLineFinder(text);
  return errors.map((error) => {
    const line = error.line ?? lineOf(error.path);
    return `${file}:${line}: ${displayPath(error.path)}: ${error.message}`;
  });
}
