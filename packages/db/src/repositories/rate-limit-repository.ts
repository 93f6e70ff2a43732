import type { RateLimitRecord, Result } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { RateLimit as RateLimitRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, newUuid } from "./shared.ts";

export interface RateLimitRepository {
  create(input: {
    orgId: string;
    /** Null or omitted: every gateway of the organization. */
    gatewayId?: string | null;
    name?: string | null;
    action: string;
    perAgent?: boolean;
    max: number;
    windowSeconds: number;
  }): Promise<Result<RateLimitRecord, "not_found">>;
  /** Limits that apply to a gateway (its own and the organization-wide ones), or all of the org. */
  list(orgId: string, options?: { gatewayId?: string }): Promise<RateLimitRecord[]>;
  remove(orgId: string, rateLimitId: string): Promise<boolean>;
}

export function createRateLimitRepository(db: DbClient): RateLimitRepository {
  return {
    async create({ orgId, gatewayId = null, name = null, action, perAgent = false, max, windowSeconds }) {
      try {
        const row = await db.rateLimit.create({
          data: {
            id: newUuid(),
            orgId,
            gatewayId,
            name,
            actionPattern: action,
            perAgent,
            max,
            windowSeconds,
          },
        });
        return { ok: true, value: toRateLimit(row) };
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
        }
        throw error;
      }
    },

    async list(orgId, { gatewayId } = {}) {
      const rows = await db.rateLimit.findMany({
        where: { orgId, ...(gatewayId === undefined ? {} : { OR: [{ gatewayId }, { gatewayId: null }] }) },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toRateLimit);
    },

    async remove(orgId, rateLimitId) {
      const { count } = await db.rateLimit.deleteMany({ where: { id: rateLimitId, orgId } });
      return count === 1;
    },
  };
}

export function toRateLimit(row: RateLimitRow): RateLimitRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    name: row.name,
    action: row.actionPattern,
    perAgent: row.perAgent,
    max: row.max,
    windowSeconds: row.windowSeconds,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
