import type { ApiToken } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { ApiToken as ApiTokenRow } from "../generated/client.ts";
import { iso, isoOrNull, newUuid } from "./shared.ts";

export interface ApiTokenRepository {
  /** Stores a personal API token's hash; the plaintext is shown once by the caller. */
  create(input: {
    orgId: string;
    userId: string;
    name: string;
    tokenHash: string;
    tokenPrefix: string;
    expiresAt?: Date | null;
  }): Promise<ApiToken>;
  /** The token for a presented hash, or null when unknown, revoked, expired or its user was disabled. */
  findValidByTokenHash(tokenHash: string, now: Date): Promise<ApiToken | null>;
  listForUser(orgId: string, userId: string): Promise<ApiToken[]>;
  touch(tokenId: string, now: Date): Promise<void>;
  revoke(orgId: string, tokenId: string, now: Date): Promise<boolean>;
}

export function createApiTokenRepository(db: DbClient): ApiTokenRepository {
  return {
    async create({ orgId, userId, name, tokenHash, tokenPrefix, expiresAt = null }) {
      const row = await db.apiToken.create({
        data: { id: newUuid(), orgId, userId, name, tokenHash, tokenPrefix, expiresAt },
      });
      return toApiToken(row);
    },

    async findValidByTokenHash(tokenHash, now) {
      const row = await db.apiToken.findFirst({
        where: {
          tokenHash,
          revokedAt: null,
          OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
          user: { disabledAt: null },
        },
      });
      return row === null ? null : toApiToken(row);
    },

    async listForUser(orgId, userId) {
      const rows = await db.apiToken.findMany({ where: { orgId, userId }, orderBy: { createdAt: "desc" } });
      return rows.map(toApiToken);
    },

    async touch(tokenId, now) {
      await db.apiToken.updateMany({ where: { id: tokenId }, data: { lastUsedAt: now } });
    },

    async revoke(orgId, tokenId, now) {
      const { count } = await db.apiToken.updateMany({
        where: { id: tokenId, orgId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count === 1;
    },
  };
}

export function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.userId,
    orgId: row.orgId,
    name: row.name,
    tokenPrefix: row.tokenPrefix,
    lastUsedAt: isoOrNull(row.lastUsedAt),
    expiresAt: isoOrNull(row.expiresAt),
    revokedAt: isoOrNull(row.revokedAt),
    createdAt: iso(row.createdAt),
  };
}
