import type { CliEnv } from "./cli-env.ts";

/** What every command receives: the parsed environment and its output streams. */
export interface CliContext {
  env: CliEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Set by a command whose exit code is not 0 without being an error (e.g. `tf run`). */
  exitCode: number;
}
