import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "../../deps.ts";
import type { ApiEnv } from "../../env.ts";

/** A 32-byte AES-256-GCM master key and the id stored with everything it seals. */
export interface VaultKey {
  id: string;
  key: Buffer;
}

/** The key that seals new values, and keys that may still open old ones (during a rotation). */
export interface VaultKeyring {
  current: VaultKey;
  /** Decrypt-only keys by id; `*` opens any id but the current one. */
  previous: Map<string, VaultKey>;
}

export function decodeVaultKey(id: string, base64: string): VaultKey {
  if (id === "" || id.includes(":"))
    throw new Error(`vault key id \`${id}\` must be non-empty and hold no \`:\``);
  const key = Buffer.from(base64, "base64");
  if (key.length !== 32) throw new Error(`vault key \`${id}\` must be base64 of exactly 32 bytes`);
  return { id, key };
}

/** The keyring from the environment; null when no key is configured (see `ensureEmbeddedVaultKey`). */
export function keyringFromEnv(env: ApiEnv): VaultKeyring | null {
  if (env.TF_VAULT_KEY === undefined) return null;
  const current = decodeVaultKey(env.TF_VAULT_KEY_ID, env.TF_VAULT_KEY);
  const previous = new Map<string, VaultKey>();
  if (env.TF_VAULT_KEY_OLD !== undefined) {
    const id = env.TF_VAULT_KEY_OLD_ID ?? "*";
    previous.set(id, decodeVaultKey(id, env.TF_VAULT_KEY_OLD));
  }
  return { current, previous };
}

/** Where the embedded mode keeps its generated vault key. */
export function embeddedVaultKeyPath(env: Pick<ApiEnv, "TF_DATA_DIR">): string {
  return resolve(join(env.TF_DATA_DIR, "vault.key"));
}

/** The key file's one line: `<key id>:<base64 key>`. */
export function parseVaultKeyFile(text: string, path: string): VaultKey {
  const line = text.trim();
  const colon = line.lastIndexOf(":");
  if (colon <= 0) throw new Error(`${path}: expected one line \`<key id>:<base64 key>\``);
  return decodeVaultKey(line.slice(0, colon), line.slice(colon + 1));
}

/** Writes the key file atomically with mode 0600 (rotation replaces it). */
export function writeVaultKeyFile(path: string, key: VaultKey): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${key.id}:${key.key.toString("base64")}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/**
 * The embedded mode (no DATABASE_URL) may run without TF_VAULT_KEY: a key is generated
 * once into `<TF_DATA_DIR>/vault.key` (mode 0600, `<key id>:<base64>`) and read from there
 * on later starts (its key id then wins over TF_VAULT_KEY_ID). Generating it is said once,
 * loudly, because losing the file makes stored secrets unreadable. With TF_VAULT_KEY set,
 * or with Postgres (where env.ts demands the key), the environment is returned unchanged.
 */
export function ensureEmbeddedVaultKey(
  env: ApiEnv,
  log: Logger,
  randomBytes: (size: number) => Uint8Array,
): ApiEnv {
  if (env.TF_VAULT_KEY !== undefined || env.DATABASE_URL !== undefined) return env;
  const path = embeddedVaultKeyPath(env);
  if (existsSync(path)) {
    const key = parseVaultKeyFile(readFileSync(path, "utf8"), path);
    return { ...env, TF_VAULT_KEY: key.key.toString("base64"), TF_VAULT_KEY_ID: key.id };
  }
  mkdirSync(resolve(env.TF_DATA_DIR), { recursive: true, mode: 0o700 });
  const key: VaultKey = { id: env.TF_VAULT_KEY_ID, key: Buffer.from(randomBytes(32)) };
  writeFileSync(path, `${key.id}:${key.key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  log.warn(
    `generated a vault master key in ${path} (mode 0600): back it up, since secrets in the vault cannot be read without it; set TF_VAULT_KEY to supply your own`,
  );
  return { ...env, TF_VAULT_KEY: key.key.toString("base64"), TF_VAULT_KEY_ID: key.id };
}
