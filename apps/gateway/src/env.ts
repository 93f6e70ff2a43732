import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * The gateway's environment, parsed once. `process.env` is read here and nowhere else
 * in the proxy: credentials with an `env` source go through `readEnvSecret`.
 */
const gatewayEnvSchema = z.object({
  TF_HOME: z.string().min(1).optional(),
  /** Extra trust store file for upstream TLS (defaults to Debian's system bundle when present). */
  TF_SYSTEM_CA_FILE: z.string().min(1).optional(),
  HOME: z.string().optional(),
});

export interface GatewayEnv {
  tfHome: string;
  systemCaFile: string;
}

let cached: GatewayEnv | undefined;

/** Parses the environment once (fail fast on a malformed value). */
export function gatewayEnv(): GatewayEnv {
  if (cached) return cached;
  const parsed = gatewayEnvSchema.parse(process.env);
  cached = {
    tfHome: parsed.TF_HOME ?? join(parsed.HOME ?? homedir(), ".tameflare"),
    systemCaFile: parsed.TF_SYSTEM_CA_FILE ?? "/etc/ssl/certs/ca-certificates.crt",
  };
  return cached;
}

/** The value of a credential's `env` source, or undefined when unset or empty. */
export function readEnvSecret(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
