import type { Result } from "@tameflare/contracts";
import { z } from "zod";

/** What the data layer reads from the environment. Unset means the embedded default. */
export interface DataEnv {
  /** A `postgres://` URL; undefined selects embedded PGlite. */
  databaseUrl: string | undefined;
  /** A `redis://` or `rediss://` URL; undefined selects the in-process queue. */
  redisUrl: string | undefined;
}

export interface ReadDataEnvOptions {
  /** Fail when `DATABASE_URL` is unset (e.g. `pnpm db:migrate`). */
  requireDatabaseUrl?: boolean;
  /** Fail when `REDIS_URL` is unset. */
  requireRedisUrl?: boolean;
}

export type DataEnvErrorCode = "missing_env" | "invalid_env";

const postgresProtocols = ["postgres:", "postgresql:"];
const redisProtocols = ["redis:", "rediss:"];

// An empty value (`DATABASE_URL=` in a .env file) counts as unset.
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const envSchema = z.object({ DATABASE_URL: optionalUrl, REDIS_URL: optionalUrl });

/**
 * Reads and checks `DATABASE_URL` and `REDIS_URL`. A failure is a value whose
 * `message` is one line naming the variable (passwords masked), for the app to print
 * and exit on; nothing is thrown and nothing is printed here.
 */
export function readDataEnv(
  source: Record<string, string | undefined> = process.env,
  options: ReadDataEnvOptions = {},
): Result<DataEnv, DataEnvErrorCode> {
  const parsed = envSchema.parse({ DATABASE_URL: source.DATABASE_URL, REDIS_URL: source.REDIS_URL });
  const databaseUrl = parsed.DATABASE_URL;
  const redisUrl = parsed.REDIS_URL;

  if (databaseUrl === undefined && options.requireDatabaseUrl) {
    return {
      ok: false,
      code: "missing_env",
      message:
        "DATABASE_URL is not set: set it to a postgres:// URL, e.g. postgres://user@127.0.0.1:5432/tameflare",
    };
  }
  if (databaseUrl !== undefined) {
    const problem = checkUrl(databaseUrl, postgresProtocols);
    if (problem !== undefined) {
      return {
        ok: false,
        code: "invalid_env",
        message: `DATABASE_URL is not a valid postgres:// URL: \`${maskUrl(databaseUrl)}\`${problem}`,
      };
    }
  }
  if (redisUrl === undefined && options.requireRedisUrl) {
    return {
      ok: false,
      code: "missing_env",
      message: "REDIS_URL is not set: set it to a redis:// URL, e.g. redis://127.0.0.1:6379",
    };
  }
  if (redisUrl !== undefined) {
    const problem = checkUrl(redisUrl, redisProtocols);
    if (problem !== undefined) {
      return {
        ok: false,
        code: "invalid_env",
        message: `REDIS_URL is not a valid redis:// URL: \`${maskUrl(redisUrl)}\`${problem}`,
      };
    }
  }
  return { ok: true, value: { databaseUrl, redisUrl } };
}

/** Returns a short suffix explaining what is wrong, or undefined when the URL is fine. */
function checkUrl(value: string, protocols: string[]): string | undefined {
  if (!URL.canParse(value)) return "";
  const url = new URL(value);
  if (!protocols.includes(url.protocol)) {
    return `: the scheme must be ${protocols.map((p) => `${p}//`).join(" or ")}`;
  }
  if (url.hostname === "" && !url.searchParams.has("host")) return ": it names no host";
  return undefined;
}

/** Replaces a password in a URL-like string so error lines never leak it. */
export function maskUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, "$1:***@");
}
