import type { KillSwitchRecord, KillSwitchScope, Result } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { KillSwitch as KillSwitchRow, Prisma } from "../generated/client.ts";
import { isForeignKeyViolation, iso, isoOrNull, newId } from "./shared.ts";

export interface KillSwitchRepository {
  /**
   * Activates a kill switch. If an identical one (same scope, target and gateway) is
   * already active it is returned unchanged with `created: false`.
   */
  activate(input: {
    orgId: string;
    scope: KillSwitchScope;
    /** Connector name (scope connector) or gateway id (scope gateway); omitted for global. */
    target?: string | null;
    /** Narrows a connector kill switch to one gateway. */
    gatewayId?: string | null;
    reason?: string | null;
    activatedBy?: string | null;
    at: Date;
  }): Promise<Result<{ killSwitch: KillSwitchRecord; created: boolean }, "invalid" | "not_found">>;
  /** Deactivates one kill switch; null when unknown or already inactive. */
  deactivate(
    orgId: string,
    killSwitchId: string,
    input: { by: string; at: Date },
  ): Promise<KillSwitchRecord | null>;
  /**
   * Active kill switches of an organization; with `gatewayId`, those that affect that
   * gateway (global, that gateway, and connector switches for any or that gateway).
   */
  listActive(orgId: string, options?: { gatewayId?: string }): Promise<KillSwitchRecord[]>;
  /** Recent kill switches, active or not, newest first. */
  history(orgId: string, options?: { limit?: number }): Promise<KillSwitchRecord[]>;
}

export function createKillSwitchRepository(db: DbClient): KillSwitchRepository {
  return {
    async activate({ orgId, scope, target = null, gatewayId = null, reason = null, activatedBy = null, at }) {
      if (scope === "global" && (target !== null || gatewayId !== null)) {
        return { ok: false, code: "invalid", message: "a global kill switch takes no target or gateway" };
      }
      if (scope !== "global" && (target === null || target === "")) {
        return { ok: false, code: "invalid", message: `a ${scope} kill switch needs a target` };
      }
      // A gateway switch names its gateway in `target`; keep gatewayId in step so the
      // composite foreign key proves the gateway belongs to this organization.
      const gateway = scope === "gateway" ? target : gatewayId;
      const identity = { orgId, scope, target, gatewayId: gateway, deactivatedAt: null };
      const existing = await db.killSwitch.findFirst({ where: identity, orderBy: { activatedAt: "asc" } });
      if (existing !== null)
        return { ok: true, value: { killSwitch: toKillSwitch(existing), created: false } };
      try {
        const row = await db.killSwitch.create({
          data: {
            id: newId("killSwitch"),
            orgId,
            scope,
            target,
            gatewayId: gateway,
            reason,
            activatedBy,
            activatedAt: at,
          },
        });
        return { ok: true, value: { killSwitch: toKillSwitch(row), created: true } };
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `gateway \`${gateway}\` not found` };
        }
        throw error;
      }
    },

    async deactivate(orgId, killSwitchId, { by, at }) {
      const [row] = await db.killSwitch.updateManyAndReturn({
        where: { id: killSwitchId, orgId, deactivatedAt: null },
        data: { deactivatedAt: at, deactivatedBy: by },
      });
      return row === undefined ? null : toKillSwitch(row);
    },

    async listActive(orgId, { gatewayId } = {}) {
      const where: Prisma.KillSwitchWhereInput = { orgId, deactivatedAt: null };
      if (gatewayId !== undefined) {
        where.OR = [
          { scope: "global" },
          { scope: "gateway", gatewayId },
          { scope: "connector", gatewayId: null },
          { scope: "connector", gatewayId },
        ];
      }
      const rows = await db.killSwitch.findMany({ where, orderBy: [{ activatedAt: "asc" }, { id: "asc" }] });
      return rows.map(toKillSwitch);
    },

    async history(orgId, { limit = 100 } = {}) {
      const rows = await db.killSwitch.findMany({
        where: { orgId },
        orderBy: [{ activatedAt: "desc" }, { id: "desc" }],
        take: limit,
      });
      return rows.map(toKillSwitch);
    },
  };
}

export function toKillSwitch(row: KillSwitchRow): KillSwitchRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    scope: row.scope,
    target: row.target,
    gatewayId: row.gatewayId,
    reason: row.reason,
    activatedBy: row.activatedBy,
    activatedAt: iso(row.activatedAt),
    deactivatedAt: isoOrNull(row.deactivatedAt),
    deactivatedBy: row.deactivatedBy,
  };
}
