import {
  type Action,
  type Approval,
  actionSchema,
  type KillSwitchScope,
  type Role,
  roleSchema,
} from "@tameflare/contracts";
import { z } from "zod";
import type { DbClient } from "../database.ts";
import type { Approval as ApprovalRow, Prisma } from "../generated/client.ts";
import { iso, isoOrNull, isUniqueViolation, json, newId, parseColumn } from "./shared.ts";

const approverRolesSchema = z.array(roleSchema);

export type DecideOutcome = "decided" | "already_decided" | "expired" | "not_found";

export interface DecideResult {
  /** `decided`: this call set the status; otherwise `approval` is the state as it already was. */
  outcome: DecideOutcome;
  approval: Approval | null;
}

export interface ApprovalRepository {
  /**
   * Creates a pending approval. Idempotent per (gateway, request id): a retried create
   * returns the existing approval with `created: false`.
   */
  create(input: {
    orgId: string;
    gatewayId: string;
    agent: string;
    requestId: string;
    action: Action;
    rule?: string | null;
    reason?: string | null;
    riskScore?: number | null;
    approverRoles: Role[];
    expiresAt: Date;
  }): Promise<{ approval: Approval; created: boolean }>;
  findById(orgId: string, approvalId: string): Promise<Approval | null>;
  /** Pending approvals, oldest first (the queue a person works through). */
  listPending(orgId: string, options?: { gatewayId?: string; limit?: number }): Promise<Approval[]>;
  /** Recent approvals of any status, newest first. */
  listRecent(orgId: string, options?: { gatewayId?: string; limit?: number }): Promise<Approval[]>;
  /** Pending approvals of one organization, or of every organization (for `/metrics`). */
  countPending(orgId?: string): Promise<number>;
  /**
   * Approves or denies, once. Deciding an approval that is no longer pending changes
   * nothing and returns its existing state; one past its expiry is marked expired instead.
   */
  decide(input: {
    orgId: string;
    approvalId: string;
    decision: "approved" | "denied";
    decidedBy: string;
    decidedVia?: string | null;
    note?: string | null;
    now: Date;
  }): Promise<DecideResult>;
  /** Cancels a pending approval (e.g. the agent disconnected). */
  cancel(input: { orgId: string; approvalId: string; by: string; now: Date }): Promise<DecideResult>;
  /** Marks one approval expired if it is still pending and its time has passed (the expiry job). */
  expire(approvalId: string, now: Date): Promise<DecideResult>;
  /** Marks every pending approval past its expiry as expired; returns them. */
  expireDue(now: Date, options?: { limit?: number }): Promise<Approval[]>;
  /** Denies the pending approvals a newly activated kill switch covers; returns them. */
  denyForKillSwitch(input: {
    orgId: string;
    scope: KillSwitchScope;
    target: string | null;
    gatewayId?: string | null;
    decidedBy: string;
    note?: string | null;
    now: Date;
  }): Promise<Approval[]>;
}

export function createApprovalRepository(db: DbClient): ApprovalRepository {
  const findById = async (orgId: string, approvalId: string): Promise<Approval | null> => {
    const row = await db.approval.findFirst({ where: { id: approvalId, orgId } });
    return row === null ? null : toApproval(row);
  };

  // Every status change is a conditional update of a row still `pending`, so a decision
  // can never overwrite another one, whichever process or replica makes it.
  const settle = async (
    where: Prisma.ApprovalWhereInput,
    data: Prisma.ApprovalUpdateManyMutationInput,
    now: Date,
  ): Promise<DecideResult> => {
    const [changed] = await db.approval.updateManyAndReturn({
      where: { ...where, status: "pending", expiresAt: { gt: now } },
      data,
    });
    if (changed !== undefined) return { outcome: "decided", approval: toApproval(changed) };
    // Past its expiry but the expiry job has not run yet: record the expiry now.
    const [expired] = await db.approval.updateManyAndReturn({
      where: { ...where, status: "pending", expiresAt: { lte: now } },
      data: expiredData(now),
    });
    if (expired !== undefined) return { outcome: "expired", approval: toApproval(expired) };
    const row = await db.approval.findFirst({ where });
    if (row === null) return { outcome: "not_found", approval: null };
    return { outcome: row.status === "expired" ? "expired" : "already_decided", approval: toApproval(row) };
  };

  return {
    async create(input) {
      const action = actionSchema.parse(input.action);
      const id = newId("approval");
      const data = {
        id,
        orgId: input.orgId,
        gatewayId: input.gatewayId,
        agent: input.agent,
        requestId: input.requestId,
        connector: action.connector,
        actionType: action.type,
        action: json(action),
        rule: input.rule ?? null,
        reason: input.reason ?? null,
        riskScore: input.riskScore ?? null,
        approverRoles: approverRolesSchema.parse(input.approverRoles),
        expiresAt: input.expiresAt,
      };
      try {
        const row = await db.approval.create({ data });
        return { approval: toApproval(row), created: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const existing = await db.approval.findFirst({
          where: { orgId: input.orgId, gatewayId: input.gatewayId, requestId: input.requestId },
        });
        if (existing === null) throw error;
        return { approval: toApproval(existing), created: false };
      }
    },

    findById,

    async listPending(orgId, { gatewayId, limit = 100 } = {}) {
      const rows = await db.approval.findMany({
        where: { orgId, status: "pending", ...(gatewayId === undefined ? {} : { gatewayId }) },
        orderBy: [{ requestedAt: "asc" }, { id: "asc" }],
        take: limit,
      });
      return rows.map(toApproval);
    },

    async listRecent(orgId, { gatewayId, limit = 100 } = {}) {
      const rows = await db.approval.findMany({
        where: { orgId, ...(gatewayId === undefined ? {} : { gatewayId }) },
        orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
        take: limit,
      });
      return rows.map(toApproval);
    },

    async countPending(orgId) {
      return db.approval.count({ where: { status: "pending", ...(orgId === undefined ? {} : { orgId }) } });
    },

    async decide({ orgId, approvalId, decision, decidedBy, decidedVia = null, note = null, now }) {
      return settle(
        { id: approvalId, orgId },
        { status: decision, decidedAt: now, decidedBy, decidedVia, note },
        now,
      );
    },

    async cancel({ orgId, approvalId, by, now }) {
      return settle({ id: approvalId, orgId }, { status: "cancelled", decidedAt: now, decidedBy: by }, now);
    },

    async expire(approvalId, now) {
      const [expired] = await db.approval.updateManyAndReturn({
        where: { id: approvalId, status: "pending", expiresAt: { lte: now } },
        data: expiredData(now),
      });
      if (expired !== undefined) return { outcome: "decided", approval: toApproval(expired) };
      const row = await db.approval.findUnique({ where: { id: approvalId } });
      if (row === null) return { outcome: "not_found", approval: null };
      return { outcome: row.status === "expired" ? "expired" : "already_decided", approval: toApproval(row) };
    },

    async expireDue(now, { limit = 1000 } = {}) {
      const due = await db.approval.findMany({
        where: { status: "pending", expiresAt: { lte: now } },
        select: { id: true },
        orderBy: { expiresAt: "asc" },
        take: limit,
      });
      if (due.length === 0) return [];
      const rows = await db.approval.updateManyAndReturn({
        where: { id: { in: due.map((d) => d.id) }, status: "pending" },
        data: expiredData(now),
      });
      return rows.map(toApproval);
    },

    async denyForKillSwitch({ orgId, scope, target, gatewayId = null, decidedBy, note = null, now }) {
      const where: Prisma.ApprovalWhereInput = { orgId, status: "pending" };
      if (scope === "gateway") {
        if (target === null) return [];
        where.gatewayId = target;
      } else if (scope === "connector") {
        if (target === null) return [];
        where.connector = target;
        if (gatewayId !== null) where.gatewayId = gatewayId;
      }
      const rows = await db.approval.updateManyAndReturn({
        where,
        data: {
          status: "denied",
          decidedAt: now,
          decidedBy,
          decidedVia: "kill_switch",
          note: note ?? "kill switch activated",
        },
      });
      return rows.map(toApproval);
    },
  };
}

function expiredData(now: Date): Prisma.ApprovalUpdateManyMutationInput {
  return { status: "expired", decidedAt: now, decidedBy: "system:expiry", decidedVia: "expiry" };
}

export function toApproval(row: ApprovalRow): Approval {
  const where = `approval \`${row.id}\``;
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    agent: row.agent,
    requestId: row.requestId,
    connector: row.connector,
    actionType: row.actionType,
    action: parseColumn(actionSchema, row.action, `${where}: action`),
    rule: row.rule,
    reason: row.reason,
    riskScore: row.riskScore,
    status: row.status,
    approverRoles: parseColumn(approverRolesSchema, row.approverRoles, `${where}: approver roles`),
    requestedAt: iso(row.requestedAt),
    expiresAt: iso(row.expiresAt),
    decidedAt: isoOrNull(row.decidedAt),
    decidedBy: row.decidedBy,
    decidedVia: row.decidedVia,
    note: row.note,
  };
}
