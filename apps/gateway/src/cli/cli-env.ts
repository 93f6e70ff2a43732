// biome-ignore-all lint/style/noProcessEnv: the CLI's one reader of the environment (src/env.ts belongs to the gateway).
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";

/**
 * The CLI's view of its environment, read once at start. `childBase` is the
 * environment a wrapped agent inherits before `tf run` adds its variables.
 */
export interface CliEnv {
  tfHome: string;
  cwd: string;
  /** A copy of the parent environment (never mutated). */
  parent: Readonly<Record<string, string>>;
}

const cliEnvSchema = z.object({
  TF_HOME: z.string().min(1, { message: "`TF_HOME` is set but empty" }).optional(),
});

/** Parses the environment at start; fails with one clear line on a bad value. */
export function readCliEnv(): CliEnv {
  const parsed = cliEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(issue ? issue.message : "invalid environment");
  }
  const cwd = process.cwd();
  const home = parsed.data.TF_HOME;
  const tfHome =
    home === undefined ? join(homedir(), ".tameflare") : isAbsolute(home) ? home : resolve(cwd, home);
  const parent: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) parent[key] = value;
  }
  return { tfHome, cwd, parent };
}
