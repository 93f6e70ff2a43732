import {
  type EncryptedValue,
  encryptedValueSchema,
  type PublicJwk,
  publicJwkSchema,
  type SigningKeyRecord,
} from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { SigningKey as SigningKeyRow } from "../generated/client.ts";
import { fromBase64, iso, isoOrNull, isUniqueViolation, json, parseColumn, toBase64 } from "./shared.ts";

export interface SigningKeyRepository {
  /** The key in use for `purpose` (e.g. `bundle`), or null before the first one is made. */
  findActive(purpose: string): Promise<SigningKeyRecord | null>;
  /**
   * Stores `input` as the active key of its purpose unless one is active already; returns
   * the active key either way (`created: false`: another caller's key won, use that one).
   * Safe when several API replicas start at once: exactly one key becomes active.
   */
  createActiveIfAbsent(input: {
    id: string;
    purpose: string;
    algorithm: string;
    publicJwk: PublicJwk;
    sealedPrivateJwk: EncryptedValue;
  }): Promise<{ key: SigningKeyRecord; created: boolean }>;
  /** Every key (active and retired), oldest first: gateways may still pin a retired one. */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Replaces a key's sealed private part (vault key rotation) only while it still holds the
   * sealed value that was read (`expected` key id and nonce). True when replaced.
   */
  reseal(
    id: string,
    input: { expected: { keyId: string; nonce: string }; sealed: EncryptedValue },
  ): Promise<boolean>;
}

export function createSigningKeyRepository(db: DbClient): SigningKeyRepository {
  const findActive = async (purpose: string): Promise<SigningKeyRecord | null> => {
    const row = await db.signingKey.findUnique({ where: { activePurpose: purpose } });
    return row === null ? null : toSigningKey(row);
  };

  return {
    findActive,

    async createActiveIfAbsent({ id, purpose, algorithm, publicJwk, sealedPrivateJwk }) {
      const sealed = encryptedValueSchema.parse(sealedPrivateJwk);
      try {
        const row = await db.signingKey.create({
          data: {
            id,
            purpose,
            algorithm,
            publicJwk: json(publicJwkSchema.parse(publicJwk)),
            privateCiphertext: fromBase64(sealed.ciphertext),
            privateNonce: fromBase64(sealed.nonce),
            vaultKeyId: sealed.keyId,
            activePurpose: purpose,
          },
        });
        return { key: toSigningKey(row), created: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const winner = await findActive(purpose);
        if (winner === null) throw error;
        return { key: winner, created: false };
      }
    },

    async list() {
      const rows = await db.signingKey.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map(toSigningKey);
    },

    async reseal(id, { expected, sealed }) {
      const value = encryptedValueSchema.parse(sealed);
      const { count } = await db.signingKey.updateMany({
        where: { id, vaultKeyId: expected.keyId, privateNonce: fromBase64(expected.nonce) },
        data: {
          privateCiphertext: fromBase64(value.ciphertext),
          privateNonce: fromBase64(value.nonce),
          vaultKeyId: value.keyId,
        },
      });
      return count === 1;
    },
  };
}

export function toSigningKey(row: SigningKeyRow): SigningKeyRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    algorithm: row.algorithm,
    publicJwk: parseColumn(publicJwkSchema, row.publicJwk, `signing key \`${row.id}\`: public key`),
    sealedPrivateJwk: {
      ciphertext: toBase64(row.privateCiphertext),
      nonce: toBase64(row.privateNonce),
      keyId: row.vaultKeyId,
    },
    createdAt: iso(row.createdAt),
    retiredAt: isoOrNull(row.retiredAt),
  };
}
