import type { z } from "zod";
import { AppError } from "../../errors/app-error.ts";

/**
 * A tRPC input parser that answers a bad input with one precise line (what, where, why:
 * ``audit batch: `events[3].hash`: Invalid string``) instead of a list of zod issues: gateways
 * log it as is. Typed like the schema for clients.
 */
export function oneLineInput<S extends z.ZodType>(schema: S, what: string): (input: unknown) => z.output<S> {
  return (input) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).reduce<string>(
      (acc, key) =>
        typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`,
      "",
    );
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw new AppError(
      "bad_request",
      `${what}: ${path === "" ? "" : `\`${path}\`: `}${issue?.message ?? "invalid"}${more}`,
    );
  };
}
