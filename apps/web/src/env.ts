import { dashboardSecretMinLength, isAddressText } from "@tameflare/api";
import { z } from "zod";

const webEnvSchema = z.object({
  /** Where the dashboard's server reaches the API (`/trpc`, `/export`, `/slack` are forwarded there). */
  API_URL: z.url().default("http://127.0.0.1:4000"),
  /**
   * Shared with the API (32+ characters): the dashboard signs each visitor's address with it,
   * so the API throttles logins per visitor. Unset: no address is passed on.
   */
  TF_DASHBOARD_SECRET: z
    .string()
    .min(dashboardSecretMinLength, `must be at least ${dashboardSecretMinLength} characters`)
    .optional(),
  /**
   * Comma-separated addresses of reverse proxies in front of the dashboard whose
   * `X-Forwarded-For` is believed (the visitor is the last address in it that is not one of
   * them). Unset: the visitor is whoever holds the TCP connection.
   */
  TF_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const bad = list.find((s) => !isAddressText(s));
      if (bad !== undefined) {
        ctx.addIssue({ code: "custom", message: `\`${bad}\` is not an IP address` });
        return z.NEVER;
      }
      return list;
    }),
  /** Set by Next.js: `nodejs` or `edge`. */
  NEXT_RUNTIME: z.string().optional(),
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
