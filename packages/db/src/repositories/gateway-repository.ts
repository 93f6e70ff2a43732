import {
  type EnforcementLevel,
  type Gateway,
  type GatewaySettings,
  gatewaySettingsSchema,
  type PublicJwk,
  publicJwkSchema,
  type Result,
} from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Gateway as GatewayRow } from "../generated/client.ts";
import { iso, isoOrNull, isUniqueViolation, json, newId, parseColumn } from "./shared.ts";

export interface GatewayRepository {
  /** Registers a gateway; the caller shows the `gwtk_…` token once and passes its hash. */
  create(input: {
    orgId: string;
    name: string;
    description?: string | null;
    tokenHash: string;
    tokenPrefix: string;
    enforcement?: EnforcementLevel;
    settings?: GatewaySettings;
  }): Promise<Result<Gateway, "conflict">>;
  findById(orgId: string, gatewayId: string): Promise<Gateway | null>;
  list(orgId: string, options?: { includeRevoked?: boolean }): Promise<Gateway[]>;
  /**
   * The live gateway for a presented token hash (gateway authentication, before the org
   * is known). Revoked gateways are not found.
   */
  findByTokenHash(tokenHash: string): Promise<Gateway | null>;
  update(
    orgId: string,
    gatewayId: string,
    patch: {
      name?: string;
      description?: string | null;
      enforcement?: EnforcementLevel;
      settings?: GatewaySettings;
    },
  ): Promise<Result<Gateway, "not_found" | "conflict">>;
  /** Stores the public keys the gateway generated at `tf init` (an omitted key is left as is). */
  setPublicKeys(
    orgId: string,
    gatewayId: string,
    keys: { signingPublicJwk?: PublicJwk; encryptionPublicJwk?: PublicJwk },
  ): Promise<Gateway | null>;
  /** Replaces the token (the old one stops working at once). */
  rotateToken(
    orgId: string,
    gatewayId: string,
    token: { tokenHash: string; tokenPrefix: string },
  ): Promise<Gateway | null>;
  /** Records contact from the gateway and, when given, the bundle version it applied. */
  recordSeen(gatewayId: string, input: { at: Date; ackedBundleVersion?: number }): Promise<void>;
  revoke(orgId: string, gatewayId: string, at: Date): Promise<boolean>;
}

export function createGatewayRepository(db: DbClient): GatewayRepository {
  const findById = async (orgId: string, gatewayId: string): Promise<Gateway | null> => {
    const row = await db.gateway.findFirst({ where: { id: gatewayId, orgId } });
    return row === null ? null : toGateway(row);
  };

  return {
    async create({
      orgId,
      name,
      description = null,
      tokenHash,
      tokenPrefix,
      enforcement = "full",
      settings = {},
    }) {
      try {
        const row = await db.gateway.create({
          data: {
            id: newId("gateway"),
            orgId,
            name,
            description,
            tokenHash,
            tokenPrefix,
            enforcement,
            settings: json(gatewaySettingsSchema.parse(settings)),
          },
        });
        return { ok: true, value: toGateway(row) };
      } catch (error) {
        if (isUniqueViolation(error)) return nameTaken(name);
        throw error;
      }
    },

    findById,

    async list(orgId, { includeRevoked = false } = {}) {
      const rows = await db.gateway.findMany({
        where: { orgId, ...(includeRevoked ? {} : { revokedAt: null }) },
        orderBy: { createdAt: "asc" },
      });
      return rows.map(toGateway);
    },

    async findByTokenHash(tokenHash) {
      const row = await db.gateway.findFirst({ where: { tokenHash, revokedAt: null } });
      return row === null ? null : toGateway(row);
    },

    async update(orgId, gatewayId, patch) {
      try {
        const { count } = await db.gateway.updateMany({
          where: { id: gatewayId, orgId },
          data: {
            name: patch.name,
            description: patch.description,
            enforcement: patch.enforcement,
            settings:
              patch.settings === undefined ? undefined : json(gatewaySettingsSchema.parse(patch.settings)),
          },
        });
        const gateway = count === 0 ? null : await findById(orgId, gatewayId);
        if (gateway === null)
          return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
        return { ok: true, value: gateway };
      } catch (error) {
        if (isUniqueViolation(error) && patch.name !== undefined) return nameTaken(patch.name);
        throw error;
      }
    },

    async setPublicKeys(orgId, gatewayId, keys) {
      const { count } = await db.gateway.updateMany({
        where: { id: gatewayId, orgId },
        data: {
          signingPublicJwk:
            keys.signingPublicJwk === undefined
              ? undefined
              : json(publicJwkSchema.parse(keys.signingPublicJwk)),
          encryptionPublicJwk:
            keys.encryptionPublicJwk === undefined
              ? undefined
              : json(publicJwkSchema.parse(keys.encryptionPublicJwk)),
        },
      });
      return count === 0 ? null : findById(orgId, gatewayId);
    },

    async rotateToken(orgId, gatewayId, token) {
      const { count } = await db.gateway.updateMany({
        where: { id: gatewayId, orgId },
        data: { tokenHash: token.tokenHash, tokenPrefix: token.tokenPrefix },
      });
      return count === 0 ? null : findById(orgId, gatewayId);
    },

    async recordSeen(gatewayId, { at, ackedBundleVersion }) {
      await db.gateway.updateMany({
        where: { id: gatewayId },
        data: { lastSeenAt: at, ...(ackedBundleVersion === undefined ? {} : { ackedBundleVersion }) },
      });
    },

    async revoke(orgId, gatewayId, at) {
      const { count } = await db.gateway.updateMany({
        where: { id: gatewayId, orgId, revokedAt: null },
        data: { revokedAt: at },
      });
      return count === 1;
    },
  };
}

function nameTaken(name: string): { ok: false; code: "conflict"; message: string } {
  return { ok: false, code: "conflict", message: `a gateway named \`${name}\` already exists` };
}

export function toGateway(row: GatewayRow): Gateway {
  const where = `gateway \`${row.id}\``;
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    tokenPrefix: row.tokenPrefix,
    enforcement: row.enforcement,
    signingPublicJwk:
      row.signingPublicJwk === null
        ? null
        : parseColumn(publicJwkSchema, row.signingPublicJwk, `${where}: signing key`),
    encryptionPublicJwk:
      row.encryptionPublicJwk === null
        ? null
        : parseColumn(publicJwkSchema, row.encryptionPublicJwk, `${where}: encryption key`),
    settings: parseColumn(gatewaySettingsSchema, row.settings, `${where}: settings`),
    lastBundleVersion: row.lastBundleVersion,
    ackedBundleVersion: row.ackedBundleVersion,
    lastSeenAt: isoOrNull(row.lastSeenAt),
    revokedAt: isoOrNull(row.revokedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
