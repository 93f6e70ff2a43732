/**
 * A problem in a configuration the caller sent, located by its path (`rules[1].when.op`,
 * `connectors[0].domains`) and, for YAML text, its 1-based line and column. The same shape
 * as the policy engine's `PolicyError`, so editors mark both alike.
 */
export interface ConfigError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A validation outcome returned (not thrown) so the editor can show every error at once. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

/** One line summarising errors, for an AppError message. */
export function summarizeErrors(errors: readonly ConfigError[]): string {
  const first = errors[0];
  if (first === undefined) return "the configuration is invalid";
  const where = first.path === "" ? "" : `\`${first.path}\`: `;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${where}${first.message}${more}`;
}
