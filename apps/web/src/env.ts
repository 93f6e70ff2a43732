import { z } from "zod";

const webEnvSchema = z.object({
  /** Where the dashboard's server reaches the API (`/trpc`, `/export`, `/slack` are forwarded there). */
  API_URL: z.url().default("http://127.0.0.1:4000"),
});

export type WebEnv = z.infer<typeof webEnvSchema>;

/**
 * The dashboard server's environment, parsed with zod. `PORT` (default 3000) is read by
 * `next start` itself. A bad value throws one line naming the variable.
 */
export function readWebEnv(source: Record<string, string | undefined> = process.env): WebEnv {
  const parsed = webEnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${String(issue?.path[0] ?? "environment")} is invalid: ${issue?.message ?? "bad value"}`,
    );
  }
  return parsed.data;
}
