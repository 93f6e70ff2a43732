import { createCipheriv, createDecipheriv } from "node:crypto";
import type { EncryptedValue } from "@tameflare/contracts";
import type { VaultKey, VaultKeyring } from "./vault-keys.ts";

const nonceBytes = 12;
const tagBytes = 16;

/**
 * Additional authenticated data binding a vault secret to its place: a ciphertext copied
 * to another organization, gateway or connector no longer decrypts.
 */
export function secretAad(place: { orgId: string; gatewayId: string; connectorId: string }): string {
  return `tameflare/vault/v1/secret/${place.orgId}/${place.gatewayId}/${place.connectorId}`;
}

/** AAD for an organization-level sealed setting (e.g. `slack.bot_token`). */
export function orgValueAad(orgId: string, purpose: string): string {
  return `tameflare/vault/v1/org/${orgId}/${purpose}`;
}

/**
 * Seals with AES-256-GCM under `key`: a fresh random 96-bit nonce per value, the AAD
 * authenticated alongside. `ciphertext` is the encrypted bytes followed by the 16-byte tag.
 */
export function seal(
  key: VaultKey,
  plaintext: string,
  aad: string,
  randomBytes: (size: number) => Uint8Array,
): EncryptedValue {
  const nonce = Buffer.from(randomBytes(nonceBytes));
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    ciphertext: Buffer.concat([body, cipher.getAuthTag()]).toString("base64"),
    nonce: nonce.toString("base64"),
    keyId: key.id,
  };
}

export class VaultDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultDecryptError";
  }
}

/** The key that sealed a value, by its id. */
export function keyFor(keyring: VaultKeyring, keyId: string): VaultKey | undefined {
  if (keyId === keyring.current.id) return keyring.current;
  return keyring.previous.get(keyId) ?? keyring.previous.get("*");
}

/**
 * Opens a sealed value. Throws `VaultDecryptError` (never with key or plaintext material)
 * when the key is unknown, the value was tampered with, or the AAD differs (moved row).
 */
export function open(keyring: VaultKeyring, sealed: EncryptedValue, aad: string): string {
  const key = keyFor(keyring, sealed.keyId);
  if (key === undefined)
    throw new VaultDecryptError(`no vault key with id \`${sealed.keyId}\` is configured`);
  const data = Buffer.from(sealed.ciphertext, "base64");
  const nonce = Buffer.from(sealed.nonce, "base64");
  if (data.length < tagBytes || nonce.length !== nonceBytes)
    throw new VaultDecryptError("sealed value is malformed");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, nonce, { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    return Buffer.concat([
      decipher.update(data.subarray(0, data.length - tagBytes)),
      decipher.final(),
    ]).toString("utf8");
  } catch (cause) {
    throw new VaultDecryptError(
      `sealed value does not authenticate under key \`${key.id}\` (wrong key, tampered, or moved): ${cause instanceof Error ? cause.message : "failed"}`,
    );
  }
}
