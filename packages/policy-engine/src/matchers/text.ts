import { describeType } from "../format.ts";
import type { Prepared } from "./types.ts";

/** Accepts a string value (for `starts_with`, `ends_with` and `matches`). */
export function prepareString(op: string, value: unknown): Prepared<string> {
  if (typeof value === "string") return { ok: true, prepared: value };
  return { ok: false, message: `operator \`${op}\` needs a string value, got ${describeType(value)}` };
}
