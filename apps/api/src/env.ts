import { err, ok, type Result } from "@tameflare/contracts";
import { readDataEnv } from "@tameflare/db";
import { z } from "zod";
import { dashboardSecretMinLength } from "./http/client-address.ts";

const port = z.coerce.number().int().min(0).max(65535);

const apiEnvSchema = z.object({
  API_HOST: z.string().default("127.0.0.1"),
  API_PORT: port.default(4000),
  /** The dashboard's public URL: links in Slack messages and invites point here. */
  PUBLIC_URL: z.string().url().default("http://127.0.0.1:3000"),
  /** Base64 of 32 bytes: the vault master key. Required with DATABASE_URL; generated under TF_DATA_DIR when embedded. */
  TF_VAULT_KEY: z.string().optional(),
  /** Identifier of the vault master key (rotation keeps several). */
  TF_VAULT_KEY_ID: z.string().default("k1"),
  /** The previous vault key during a rotation (base64 of 32 bytes): decrypt-only, read by `rotate-vault-key`. */
  TF_VAULT_KEY_OLD: z.string().optional(),
  /** Identifier of TF_VAULT_KEY_OLD; unset: the old key is tried for every key id but TF_VAULT_KEY_ID. */
  TF_VAULT_KEY_OLD_ID: z.string().optional(),
  /** Where the embedded mode keeps PGlite, generated keys and the like. */
  TF_DATA_DIR: z.string().default(".tameflare"),
  SLACK_API_BASE_URL: z.string().url().default("https://slack.com/api"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * Base64 of at least 32 bytes: the HS256 key of signed Slack approve/deny links. Unset: derived
   * (HKDF) from the vault master key, so every API replica signs and verifies alike.
   */
  TF_LINK_SIGNING_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length >= 32, "must be base64 of at least 32 bytes")
    .optional(),
  /**
   * Shared with the dashboard (32+ characters): it signs each visitor's address with it, so
   * login throttling and session records see the visitor rather than the dashboard. Unset:
   * the API believes no forwarded address (every dashboard request counts as the dashboard's).
   */
  TF_DASHBOARD_SECRET: z
    .string()
    .min(dashboardSecretMinLength, `must be at least ${dashboardSecretMinLength} characters`)
    .optional(),
  /** Prefix of every Redis key (queues, approval notifications); lets several deployments share a Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .default("tf"),
  /** In the `worker` role, serve `/metrics` and `/healthz` on this port (0: off). */
  WORKER_METRICS_PORT: port.default(0),
  /** Optional bearer token `/metrics` requires (`Authorization: Bearer …`); unset: open. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Concurrent audit-ingest jobs per worker process. */
  AUDIT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** A job whose worker died is handed to another worker after this long. */
  QUEUE_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often pending approvals past their time are expired even if their delayed job was lost. */
  APPROVAL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
});

export interface ApiEnv extends z.infer<typeof apiEnvSchema> {
  DATABASE_URL: string | undefined;
  REDIS_URL: string | undefined;
}

/**
 * Parses the API's environment once at start. A failure is one line naming the
 * variable, for `main` to print before exiting non-zero (no stack trace).
 */
export function readApiEnv(
  source: Record<string, string | undefined> = process.env,
): Result<ApiEnv, "invalid_env"> {
  const data = readDataEnv(source);
  if (!data.ok) return err("invalid_env", data.message);
  const parsed = apiEnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    return err("invalid_env", `${name} is invalid: ${issue?.message ?? "bad value"}`);
  }
  if (data.value.databaseUrl !== undefined && !parsed.data.TF_VAULT_KEY) {
    return err(
      "invalid_env",
      "TF_VAULT_KEY is not set: with DATABASE_URL the vault needs a base64 32-byte key (openssl rand -base64 32)",
    );
  }
  if (
    parsed.data.TF_VAULT_KEY !== undefined &&
    Buffer.from(parsed.data.TF_VAULT_KEY, "base64").length !== 32
  ) {
    return err("invalid_env", "TF_VAULT_KEY is invalid: it must be base64 of exactly 32 bytes");
  }
  if (
    parsed.data.TF_VAULT_KEY_OLD !== undefined &&
    Buffer.from(parsed.data.TF_VAULT_KEY_OLD, "base64").length !== 32
  ) {
    return err("invalid_env", "TF_VAULT_KEY_OLD is invalid: it must be base64 of exactly 32 bytes");
  }
  if (
    parsed.data.TF_VAULT_KEY_OLD_ID !== undefined &&
    parsed.data.TF_VAULT_KEY_OLD_ID === parsed.data.TF_VAULT_KEY_ID
  ) {
    return err("invalid_env", "TF_VAULT_KEY_OLD_ID equals TF_VAULT_KEY_ID: give the new key a new id");
  }
  return ok({ ...parsed.data, DATABASE_URL: data.value.databaseUrl, REDIS_URL: data.value.redisUrl });
}
