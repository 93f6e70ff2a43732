import {
  type EncryptedValue,
  encryptedValueSchema,
  type Result,
  type SecretCiphertext,
  type SecretMeta,
} from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Secret as SecretRow } from "../generated/client.ts";
import { fromBase64, isForeignKeyViolation, iso, newId, toBase64 } from "./shared.ts";

export interface SecretRepository {
  /**
   * Stores (or replaces) the sealed credential of a connector. Takes ciphertext only: the
   * API encrypts; this layer never sees plaintext. `last4` is for display.
   */
  put(input: {
    orgId: string;
    gatewayId: string;
    connectorId: string;
    sealed: EncryptedValue;
    last4: string;
    createdByUserId?: string | null;
  }): Promise<Result<SecretMeta, "not_found">>;
  /** What the dashboard may show: never the ciphertext. */
  listMeta(orgId: string, gatewayId: string): Promise<SecretMeta[]>;
  /** A connector's sealed secret, for the API to decrypt and re-seal to the gateway's key. */
  getCiphertext(orgId: string, gatewayId: string, connectorId: string): Promise<SecretCiphertext | null>;
  /** Every sealed secret of a gateway (bundle compilation). */
  listCiphertexts(orgId: string, gatewayId: string): Promise<SecretCiphertext[]>;
  remove(orgId: string, gatewayId: string, connectorId: string): Promise<boolean>;
  /**
   * Secrets of every organization sealed by any key but `keyId`, in id order after `afterId`
   * (vault key rotation walks them in batches).
   */
  listNotSealedBy(keyId: string, options?: { afterId?: string; limit?: number }): Promise<SecretCiphertext[]>;
  /**
   * Replaces a secret's ciphertext (vault key rotation) only while it still holds the sealed
   * value that was read (`expected` key id and nonce), so a secret written meanwhile is
   * never overwritten with an older value. True when replaced.
   */
  reseal(
    secretId: string,
    input: { expected: { keyId: string; nonce: string }; sealed: EncryptedValue },
  ): Promise<boolean>;
}

export function createSecretRepository(db: DbClient): SecretRepository {
  return {
    async put({ orgId, gatewayId, connectorId, sealed, last4, createdByUserId = null }) {
      const value = encryptedValueSchema.parse(sealed);
      if (last4.length > 4) throw new Error("secret `last4` holds at most four characters");
      const data = {
        ciphertext: fromBase64(value.ciphertext),
        nonce: fromBase64(value.nonce),
        keyId: value.keyId,
        last4,
        createdByUserId,
      };
      try {
        const row = await db.secret.upsert({
          where: { gatewayId_connectorId: { gatewayId, connectorId }, orgId },
          create: { id: newId("secret"), orgId, gatewayId, connectorId, ...data },
          update: data,
        });
        return { ok: true, value: toSecretMeta(row) };
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          return {
            ok: false,
            code: "not_found",
            message: `connector \`${connectorId}\` not found on gateway \`${gatewayId}\``,
          };
        }
        throw error;
      }
    },

    async listMeta(orgId, gatewayId) {
      const rows = await db.secret.findMany({ where: { orgId, gatewayId }, orderBy: { createdAt: "asc" } });
      return rows.map(toSecretMeta);
    },

    async getCiphertext(orgId, gatewayId, connectorId) {
      const row = await db.secret.findFirst({ where: { orgId, gatewayId, connectorId } });
      return row === null ? null : toSecretCiphertext(row);
    },

    async listCiphertexts(orgId, gatewayId) {
      const rows = await db.secret.findMany({ where: { orgId, gatewayId }, orderBy: { createdAt: "asc" } });
      return rows.map(toSecretCiphertext);
    },

    async remove(orgId, gatewayId, connectorId) {
      const { count } = await db.secret.deleteMany({ where: { orgId, gatewayId, connectorId } });
      return count === 1;
    },

    async listNotSealedBy(keyId, { afterId, limit = 100 } = {}) {
      const rows = await db.secret.findMany({
        where: { keyId: { not: keyId }, ...(afterId === undefined ? {} : { id: { gt: afterId } }) },
        orderBy: { id: "asc" },
        take: limit,
      });
      return rows.map(toSecretCiphertext);
    },

    async reseal(secretId, { expected, sealed }) {
      const value = encryptedValueSchema.parse(sealed);
      const { count } = await db.secret.updateMany({
        where: { id: secretId, keyId: expected.keyId, nonce: fromBase64(expected.nonce) },
        data: {
          ciphertext: fromBase64(value.ciphertext),
          nonce: fromBase64(value.nonce),
          keyId: value.keyId,
        },
      });
      return count === 1;
    },
  };
}

export function toSecretMeta(row: SecretRow): SecretMeta {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    connectorId: row.connectorId,
    keyId: row.keyId,
    last4: row.last4,
    createdByUserId: row.createdByUserId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function toSecretCiphertext(row: SecretRow): SecretCiphertext {
  return { ...toSecretMeta(row), ciphertext: toBase64(row.ciphertext), nonce: toBase64(row.nonce) };
}
