import type { PolicyDocument } from "@tameflare/contracts";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { formatPath, type LocatedError, type PathSegment, type PolicyError } from "./errors.ts";
import { validateLocated } from "./validate.ts";

/** Largest YAML text accepted, in characters. */
export const maxYamlLength = 4 * 1024 * 1024;

export type YamlResult = { ok: true; document: PolicyDocument } | { ok: false; errors: PolicyError[] };

/**
 * Parses `tameflare.yaml` text and validates it (see `validatePolicyDocument`). Errors
 * carry the 1-based `line` and `column` of the offending node (or of the nearest
 * enclosing one when a key is missing), ordered by position, so an editor can mark them.
 * YAML 1.2 core schema, duplicate keys rejected, at most 100 aliases. Never throws.
 */
export function parsePolicyYaml(text: string): YamlResult {
  if (typeof text !== "string")
    return { ok: false, errors: [{ path: "", message: "the policy document must be text" }] };
  if (text.length > maxYamlLength) {
    return {
      ok: false,
      errors: [{ path: "", message: `the policy document is longer than ${maxYamlLength} characters` }],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: "",
          message: `yaml syntax: ${cleanYamlMessage(e.message)}`,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // toJS throws on alias bombs ("excessive alias count"); that is a document error, not a crash.
    return {
      ok: false,
      errors: [
        {
          path: "",
          message: `yaml: ${cleanYamlMessage(cause instanceof Error ? cause.message : String(cause))}`,
        },
      ],
    };
  }
  const result = validateLocated(data);
  if (result.ok) return result;
  const seen = new Set<string>();
  const errors: PolicyError[] = [];
  for (const error of result.errors) {
    const path = formatPath(error.segments);
    const key = `${path}\u0000${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ path, message: error.message, ...position(doc.contents, error, lineCounter) });
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, errors };
}

function position(
  root: unknown,
  error: LocatedError,
  lineCounter: LineCounter,
): { line?: number; column?: number } {
  let node = root as Node | null | undefined;
  let found: Node | undefined = node ?? undefined;
  for (const segment of error.segments as readonly PathSegment[]) {
    let next: unknown;
    if (isMap(node)) {
      // Point at the key when the value is missing or a scalar on the same line.
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      next = pair?.value ?? pair?.key;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    }
    if (next === undefined || next === null || typeof next !== "object") break;
    node = next as Node;
    found = node;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return {};
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function cleanYamlMessage(message: string): string {
  const first = (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "").trim();
  return first.length === 0 ? "unreadable document" : first[0]?.toLowerCase() + first.slice(1);
}
