import {
  bundleSigningAlgorithm,
  type EncryptedValue,
  type PublicJwk,
  type SigningKeyRecord,
} from "@tameflare/contracts";
import type { Repositories } from "@tameflare/db";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { open, seal, VaultDecryptError } from "../vault/vault-crypto.ts";
import { keyringFromEnv, type VaultKeyring } from "../vault/vault-keys.ts";

/** The purpose of the key that signs gateway bundles. */
export const bundleKeyPurpose = "bundle";

/** The API's bundle-signing key, ready to sign (the private part lives only in memory). */
export interface BundleSigningKey {
  kid: string;
  alg: typeof bundleSigningAlgorithm;
  /** Public members only: what `tf init` pins. */
  publicJwk: PublicJwk;
  privateKey: CryptoKey | Uint8Array;
}

/** AAD binding a sealed private key to its key id: a row copied onto another id no longer opens. */
export function signingKeyAad(kid: string): string {
  return `tameflare/signing/v1/${kid}`;
}

function requireKeyring(deps: Pick<AppDeps, "env">): VaultKeyring {
  const ring = keyringFromEnv(deps.env);
  if (ring === null) {
    throw new AppError("unavailable", "bundle signing needs the vault master key: set TF_VAULT_KEY", {
      userMessage: "the vault is not configured on this server",
    });
  }
  return ring;
}

// One key per running API (per AppDeps): loaded or made once, then kept in memory.
const loaded = new WeakMap<object, Promise<BundleSigningKey>>();

/**
 * The API's signing keys. The bundle key is an Ed25519 pair made once per deployment and
 * stored in the database (`signing_keys`) with its private JWK sealed by the vault master
 * key (AES-256-GCM, AAD bound to the key id), so every API replica signs with the same key
 * and a database dump alone reveals nothing. The key id is the RFC 7638 thumbprint.
 */
export function createSigningKeyService(deps: Pick<AppDeps, "env" | "repos" | "log" | "randomBytes">) {
  async function openKey(record: SigningKeyRecord, ring: VaultKeyring): Promise<BundleSigningKey> {
    let text: string;
    try {
      text = open(ring, record.sealedPrivateJwk, signingKeyAad(record.id));
    } catch (cause) {
      if (cause instanceof VaultDecryptError) {
        throw new AppError(
          "internal",
          `bundle signing key \`${record.id}\` cannot be opened: ${cause.message} (was the vault key replaced without \`rotate-vault-key\`?)`,
          { cause },
        );
      }
      throw cause;
    }
    const jwk = JSON.parse(text) as JWK;
    const privateKey = await importJWK(jwk, bundleSigningAlgorithm);
    if (record.sealedPrivateJwk.keyId !== ring.current.id) {
      // Opened with a previous vault key (a rotation is under way): re-seal under the current one.
      const resealed = seal(ring.current, text, signingKeyAad(record.id), deps.randomBytes);
      await deps.repos.signingKeys.reseal(record.id, {
        expected: { keyId: record.sealedPrivateJwk.keyId, nonce: record.sealedPrivateJwk.nonce },
        sealed: resealed,
      });
    }
    return { kid: record.id, alg: bundleSigningAlgorithm, publicJwk: record.publicJwk, privateKey };
  }

  async function loadOrCreate(): Promise<BundleSigningKey> {
    const ring = requireKeyring(deps);
    const existing = await deps.repos.signingKeys.findActive(bundleKeyPurpose);
    if (existing !== null) return openKey(existing, ring);
    const pair = await generateKeyPair(bundleSigningAlgorithm, { crv: "Ed25519", extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const privateJwk = await exportJWK(pair.privateKey);
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    const sealedPrivateJwk: EncryptedValue = seal(
      ring.current,
      JSON.stringify(privateJwk),
      signingKeyAad(kid),
      deps.randomBytes,
    );
    const { key, created } = await deps.repos.signingKeys.createActiveIfAbsent({
      id: kid,
      purpose: bundleKeyPurpose,
      algorithm: bundleSigningAlgorithm,
      publicJwk: { kty: publicJwk.kty ?? "OKP", ...publicJwk },
      sealedPrivateJwk,
    });
    if (!created) return openKey(key, ring);
    deps.log.info(
      `generated the bundle signing key \`${kid}\` (Ed25519, sealed by vault key \`${ring.current.id}\`)`,
    );
    return { kid, alg: bundleSigningAlgorithm, publicJwk: key.publicJwk, privateKey: pair.privateKey };
  }

  return {
    /** The bundle-signing key: loaded (or made, once per deployment) on first use, then cached. */
    bundleKey(): Promise<BundleSigningKey> {
      let pending = loaded.get(deps);
      if (pending === undefined) {
        pending = loadOrCreate();
        loaded.set(deps, pending);
        // A failure (database down, vault key missing) is not cached: the next call retries.
        pending.catch(() => loaded.delete(deps));
      }
      return pending;
    },
  };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;

/**
 * Re-seals every signing key not yet under `keyring.current` (part of `rotate-vault-key`).
 * Returns how many were re-sealed and the ids that no configured key could open.
 */
export async function resealSigningKeys(
  repos: Repositories,
  keyring: VaultKeyring,
  randomBytes: (size: number) => Uint8Array,
): Promise<{ rotated: number; failed: string[] }> {
  let rotated = 0;
  const failed: string[] = [];
  for (const key of await repos.signingKeys.list()) {
    if (key.sealedPrivateJwk.keyId === keyring.current.id) continue;
    const aad = signingKeyAad(key.id);
    let text: string;
    try {
      text = open(keyring, key.sealedPrivateJwk, aad);
    } catch (cause) {
      if (!(cause instanceof VaultDecryptError)) throw cause;
      failed.push(key.id);
      continue;
    }
    const done = await repos.signingKeys.reseal(key.id, {
      expected: { keyId: key.sealedPrivateJwk.keyId, nonce: key.sealedPrivateJwk.nonce },
      sealed: seal(keyring.current, text, aad, randomBytes),
    });
    if (done) rotated += 1;
  }
  return { rotated, failed };
}
