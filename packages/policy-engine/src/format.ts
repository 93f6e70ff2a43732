import type { DecisionKind } from "@tameflare/contracts";

const maxShownChars = 80;

/**
 * Formats one piece of user input for a message: wrapped in backticks, backticks inside
 * replaced by `'` (so the quoting stays unambiguous) and long values shortened with `…`.
 * Never throws, whatever the value.
 */
export function code(value: unknown): string {
  // Fast path for the common case (short strings without backticks): explanations are
  // built on every decision.
  if (typeof value === "string" && value.length <= maxShownChars && !value.includes("`"))
    return `\`${value}\``;
  return `\`${shorten(plain(value)).replaceAll("`", "'")}\``;
}

/** Formats a list of values as "`a`, `b` or `c`" (the joining word is a parameter). */
export function codeList(values: readonly unknown[], last = "or"): string {
  const shown = values.slice(0, 8).map(code);
  if (values.length > 8) shown.push(`${values.length - 8} more`);
  if (shown.length <= 1) return shown[0] ?? "nothing";
  return `${shown.slice(0, -1).join(", ")} ${last} ${shown.at(-1)}`;
}

function plain(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `[${value.map((v) => plain(v)).join(", ")}]`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch (cause) {
    // Values from user input can be cyclic or carry throwing getters; a message must still be produced.
    return cause instanceof Error ? `<${typeof value}>` : typeof value;
  }
}

function shorten(text: string): string {
  return text.length > maxShownChars ? `${text.slice(0, maxShownChars - 1)}…` : text;
}

/** The word that starts an explanation: "allowed", "denied" or "needs approval". */
export function verb(decision: DecisionKind): string {
  if (decision === "allow") return "allowed";
  if (decision === "deny") return "denied";
  return "needs approval";
}

/** Describes a value's type for messages: "a string", "a list", "nothing". */
export function describeType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return "a number";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return `a ${typeof value}`;
}
