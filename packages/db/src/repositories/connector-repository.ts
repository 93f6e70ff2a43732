import type { ConnectorRecord, Result } from "@tameflare/contracts";
import { z } from "zod";
import type { DbClient } from "../database.ts";
import type { Connector as ConnectorRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, isUniqueViolation, json, newId, parseColumn } from "./shared.ts";

const settingsSchema = z.record(z.string(), z.unknown());

export interface ConnectorInput {
  type: string;
  name: string;
  domains?: string[];
  upstream?: string | null;
  settings?: Record<string, unknown>;
}

export interface ConnectorRepository {
  /** Adds a connector to a gateway; `conflict` when the name is taken on that gateway. */
  create(
    input: ConnectorInput & { orgId: string; gatewayId: string },
  ): Promise<Result<ConnectorRecord, "conflict" | "not_found">>;
  findById(orgId: string, connectorId: string): Promise<ConnectorRecord | null>;
  listForGateway(orgId: string, gatewayId: string): Promise<ConnectorRecord[]>;
  update(
    orgId: string,
    connectorId: string,
    patch: Partial<ConnectorInput>,
  ): Promise<Result<ConnectorRecord, "not_found" | "conflict">>;
  /** Removes a connector and, with it, its vault secret. */
  remove(orgId: string, connectorId: string): Promise<boolean>;
}

export function createConnectorRepository(db: DbClient): ConnectorRepository {
  const findById = async (orgId: string, connectorId: string): Promise<ConnectorRecord | null> => {
    const row = await db.connector.findFirst({ where: { id: connectorId, orgId } });
    return row === null ? null : toConnector(row);
  };

  return {
    async create({ orgId, gatewayId, type, name, domains = [], upstream = null, settings = {} }) {
      try {
        const row = await db.connector.create({
          data: {
            id: newId("connector"),
            orgId,
            gatewayId,
            type,
            name,
            domains,
            upstream,
            settings: json(settings),
          },
        });
        return { ok: true, value: toConnector(row) };
      } catch (error) {
        if (isUniqueViolation(error)) return nameTaken(name);
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
        }
        throw error;
      }
    },

    findById,

    async listForGateway(orgId, gatewayId) {
      const rows = await db.connector.findMany({
        where: { orgId, gatewayId },
        orderBy: { createdAt: "asc" },
      });
      return rows.map(toConnector);
    },

    async update(orgId, connectorId, patch) {
      try {
        const { count } = await db.connector.updateMany({
          where: { id: connectorId, orgId },
          data: {
            type: patch.type,
            name: patch.name,
            domains: patch.domains,
            upstream: patch.upstream,
            settings: patch.settings === undefined ? undefined : json(patch.settings),
          },
        });
        const connector = count === 0 ? null : await findById(orgId, connectorId);
        if (connector === null) {
          return { ok: false, code: "not_found", message: `connector \`${connectorId}\` not found` };
        }
        return { ok: true, value: connector };
      } catch (error) {
        if (isUniqueViolation(error) && patch.name !== undefined) return nameTaken(patch.name);
        throw error;
      }
    },

    async remove(orgId, connectorId) {
      const { count } = await db.connector.deleteMany({ where: { id: connectorId, orgId } });
      return count === 1;
    },
  };
}

function nameTaken(name: string): { ok: false; code: "conflict"; message: string } {
  return {
    ok: false,
    code: "conflict",
    message: `a connector named \`${name}\` already exists on this gateway`,
  };
}

export function toConnector(row: ConnectorRow): ConnectorRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    type: row.type,
    name: row.name,
    domains: row.domains,
    upstream: row.upstream,
    settings: parseColumn(settingsSchema, row.settings, `connector \`${row.id}\`: settings`),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
