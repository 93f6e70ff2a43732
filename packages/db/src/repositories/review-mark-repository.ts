import type { Result, ReviewMark } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { AuditReviewMark as ReviewMarkRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, newId } from "./shared.ts";

export interface ReviewMarkRepository {
  /** Marks one audit event (by its `evt_…` id) as reviewed; `not_found` unless it is the gateway's. */
  markEvent(input: {
    orgId: string;
    gatewayId: string;
    eventId: string;
    reviewerUserId: string;
    comment?: string | null;
  }): Promise<Result<ReviewMark, "not_found">>;
  /** Marks the gateway's events with `fromSeq <= seq <= toSeq` as reviewed. */
  markRange(input: {
    orgId: string;
    gatewayId: string;
    fromSeq: number;
    toSeq: number;
    reviewerUserId: string;
    comment?: string | null;
  }): Promise<Result<ReviewMark, "invalid" | "not_found">>;
  /** A gateway's review marks, newest first. */
  list(orgId: string, gatewayId: string, options?: { limit?: number }): Promise<ReviewMark[]>;
  /** The marks that cover one event (its own mark and any range containing its seq). */
  forEvent(orgId: string, gatewayId: string, event: { eventId: string; seq: number }): Promise<ReviewMark[]>;
}

export function createReviewMarkRepository(db: DbClient): ReviewMarkRepository {
  return {
    async markEvent({ orgId, gatewayId, eventId, reviewerUserId, comment = null }) {
      const event = await db.auditEvent.findFirst({
        where: { orgId, gatewayId, eventId },
        select: { id: true },
      });
      if (event === null) {
        return {
          ok: false,
          code: "not_found",
          message: `audit event \`${eventId}\` not found on this gateway`,
        };
      }
      const row = await db.auditReviewMark.create({
        data: { id: newId("review"), orgId, gatewayId, eventId, reviewerUserId, comment },
      });
      return { ok: true, value: toReviewMark(row) };
    },

    async markRange({ orgId, gatewayId, fromSeq, toSeq, reviewerUserId, comment = null }) {
      if (!Number.isInteger(fromSeq) || !Number.isInteger(toSeq) || fromSeq < 0 || toSeq < fromSeq) {
        return {
          ok: false,
          code: "invalid",
          message: `review range ${fromSeq}..${toSeq} is not a valid seq range`,
        };
      }
      try {
        const row = await db.auditReviewMark.create({
          data: {
            id: newId("review"),
            orgId,
            gatewayId,
            fromSeq: BigInt(fromSeq),
            toSeq: BigInt(toSeq),
            reviewerUserId,
            comment,
          },
        });
        return { ok: true, value: toReviewMark(row) };
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `gateway \`${gatewayId}\` not found` };
        }
        throw error;
      }
    },

    async list(orgId, gatewayId, { limit = 100 } = {}) {
      const rows = await db.auditReviewMark.findMany({
        where: { orgId, gatewayId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit,
      });
      return rows.map(toReviewMark);
    },

    async forEvent(orgId, gatewayId, { eventId, seq }) {
      const rows = await db.auditReviewMark.findMany({
        where: {
          orgId,
          gatewayId,
          OR: [{ eventId }, { fromSeq: { lte: BigInt(seq) }, toSeq: { gte: BigInt(seq) } }],
        },
        orderBy: { createdAt: "asc" },
      });
      return rows.map(toReviewMark);
    },
  };
}

export function toReviewMark(row: ReviewMarkRow): ReviewMark {
  return {
    id: row.id,
    orgId: row.orgId,
    gatewayId: row.gatewayId,
    eventId: row.eventId,
    fromSeq: row.fromSeq === null ? null : Number(row.fromSeq),
    toSeq: row.toSeq === null ? null : Number(row.toSeq),
    reviewerUserId: row.reviewerUserId,
    comment: row.comment,
    createdAt: iso(row.createdAt),
  };
}
