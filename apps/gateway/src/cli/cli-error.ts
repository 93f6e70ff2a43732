/**
 * The one error a command throws on purpose: `main` prints its message as a single
 * line on stderr and exits with `exitCode`. Anything else is reported the same way
 * (never a stack trace) with exit code 1.
 */
export class CliError extends Error {
  readonly exitCode: number;
  /** Print the message as written (a paragraph of guidance), without the `error:` prefix. */
  readonly plain: boolean;

  constructor(message: string, exitCode = 1, options?: { cause?: unknown; plain?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = exitCode;
    this.plain = options?.plain ?? false;
  }
}

/** Turns any thrown value into the single line printed to the user. */
export function errorLine(error: unknown): string {
  if (error instanceof CliError && error.plain) return error.message;
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = raw.split("\n").find((line) => line.trim() !== "") ?? "unexpected error";
  const trimmed = firstLine.trim().replace(/^error:\s*/i, "");
  return `error: ${trimmed.charAt(0).toLowerCase()}${trimmed.slice(1)}`;
}
