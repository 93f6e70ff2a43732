import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { apiSigningKeySchema } from "@tameflare/contracts";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { z } from "zod";

/**
 * What `tf init` leaves under TF_HOME for the connected mode:
 * - `gateway.json`: ids, the API url and the API's pinned signing key (public, 0644);
 * - `gateway-token`: the `gwtk_…` token (0600);
 * - `keys/signing.jwk`, `keys/encryption.jwk`: the gateway's private keys (0600, directory
 *   0700), made on this machine and never sent anywhere (the API holds the public halves);
 * - `bundle.jws`: the last good signed bundle (0600), re-verified whenever it is loaded.
 */
export const connectedStateFileName = "gateway.json";
export const tokenFileName = "gateway-token";
export const bundleCacheFileName = "bundle.jws";

export function connectedPaths(tfHome: string) {
  return {
    state: join(tfHome, connectedStateFileName),
    token: join(tfHome, tokenFileName),
    keysDir: join(tfHome, "keys"),
    signingKey: join(tfHome, "keys", "signing.jwk"),
    encryptionKey: join(tfHome, "keys", "encryption.jwk"),
    bundleCache: join(tfHome, bundleCacheFileName),
  };
}

export const connectedStateSchema = z.object({
  version: z.literal(1),
  gateway_id: z.string().min(1),
  gateway_name: z.string().min(1),
  org_id: z.string().min(1),
  api_url: z.string().url(),
  /** The API's bundle-signing public key, pinned at `tf init`: only bundles it signed apply. */
  api_signing_key: apiSigningKeySchema,
  /** Bundles at or below this version were sealed to keys from before this `tf init`. */
  min_bundle_version: z.number().int().nonnegative(),
  registered_at: z.string(),
});
export type ConnectedState = z.infer<typeof connectedStateSchema>;

/** The gateway's key pairs (private halves as JWKs: they stay on this machine). */
export interface GatewayKeys {
  signing: { privateJwk: JWK; publicJwk: JWK };
  encryption: { privateJwk: JWK; publicJwk: JWK };
}

/** Makes the gateway's keys: Ed25519 for signing, ECDH-ES on P-256 for credentials sealed to it. */
export async function generateGatewayKeys(): Promise<GatewayKeys> {
  const signing = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const encryption = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
  return {
    signing: {
      privateJwk: await exportJWK(signing.privateKey),
      publicJwk: await exportJWK(signing.publicKey),
    },
    encryption: {
      privateJwk: await exportJWK(encryption.privateKey),
      publicJwk: await exportJWK(encryption.publicKey),
    },
  };
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(tmp, text, { mode });
  // The umask may have narrowed `mode`; secrets must end up exactly 0600 either way.
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/**
 * Writes everything `tf init` registered. Keys first, the state file last: a crash in
 * between leaves no state file pointing at keys that are not there. The old cached bundle
 * is removed (its credentials were sealed to the previous keys).
 */
export async function writeConnectedSetup(
  tfHome: string,
  setup: { state: ConnectedState; token: string; keys: GatewayKeys },
): Promise<void> {
  const paths = connectedPaths(tfHome);
  await mkdir(paths.keysDir, { recursive: true, mode: 0o700 });
  await chmod(paths.keysDir, 0o700);
  await writeAtomic(paths.signingKey, `${JSON.stringify(setup.keys.signing.privateJwk)}\n`, 0o600);
  await writeAtomic(paths.encryptionKey, `${JSON.stringify(setup.keys.encryption.privateJwk)}\n`, 0o600);
  await writeAtomic(paths.token, `${setup.token}\n`, 0o600);
  await rm(paths.bundleCache, { force: true });
  await writeAtomic(
    paths.state,
    `${JSON.stringify(connectedStateSchema.parse(setup.state), null, 2)}\n`,
    0o644,
  );
}

/** Thrown when the connected setup under TF_HOME is missing or damaged: one line saying what to do. */
export class ConnectedSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectedSetupError";
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ConnectedSetupError(
      `cannot read the ${what} \`${path}\` (${(error as NodeJS.ErrnoException).code ?? "error"}): run \`tf init\` again`,
    );
  }
}

export interface ConnectedSetup {
  state: ConnectedState;
  token: string;
  /** The private key credentials in bundles are sealed to (in memory only). */
  decryptionKey: CryptoKey | Uint8Array;
  /** The API's pinned bundle-signing key. */
  apiKey: CryptoKey | Uint8Array;
}

/** Loads what `tf init` wrote; throws ConnectedSetupError with the fix when something is off. */
export async function readConnectedSetup(tfHome: string): Promise<ConnectedSetup> {
  const paths = connectedPaths(tfHome);
  let raw: unknown;
  try {
    raw = JSON.parse(await readText(paths.state, "connected-mode state"));
  } catch (error) {
    if (error instanceof ConnectedSetupError) throw error;
    throw new ConnectedSetupError(`\`${paths.state}\` is not JSON: run \`tf init\` again`);
  }
  const parsed = connectedStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConnectedSetupError(
      `\`${paths.state}\` is invalid (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "bad value"}): run \`tf init\` again`,
    );
  }
  const token = (await readText(paths.token, "gateway token")).trim();
  if (!token.startsWith("gwtk_"))
    throw new ConnectedSetupError(`\`${paths.token}\` holds no gateway token: run \`tf init\` again`);
  let decryptionKey: CryptoKey | Uint8Array;
  let apiKey: CryptoKey | Uint8Array;
  try {
    decryptionKey = await importJWK(
      JSON.parse(await readText(paths.encryptionKey, "gateway encryption key")) as JWK,
      "ECDH-ES",
    );
  } catch (error) {
    if (error instanceof ConnectedSetupError) throw error;
    throw new ConnectedSetupError(`\`${paths.encryptionKey}\` is not a usable key: run \`tf init\` again`);
  }
  try {
    apiKey = await importJWK(parsed.data.api_signing_key.jwk as JWK, parsed.data.api_signing_key.alg);
  } catch (error) {
    throw new ConnectedSetupError(
      `the pinned API key in \`${paths.state}\` does not import (${(error as Error).message}): run \`tf init\` again`,
    );
  }
  return { state: parsed.data, token, decryptionKey, apiKey };
}

/** Reads the cached bundle, undefined when there is none. */
export async function readBundleCache(tfHome: string): Promise<string | undefined> {
  try {
    return (await readFile(connectedPaths(tfHome).bundleCache, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Replaces the cached bundle atomically (0600). */
export async function writeBundleCache(tfHome: string, jws: string): Promise<void> {
  await writeAtomic(connectedPaths(tfHome).bundleCache, `${jws}\n`, 0o600);
}
