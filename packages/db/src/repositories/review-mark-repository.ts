import { maxReviewEventIds, type Result, type ReviewMark } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { AuditReviewMark as ReviewMarkRow } from "../generated/client.ts";
import { isChainOf } from "./audit-repository.ts";
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
  /**
   * Marks exactly the named events (one mark each, in one statement: all or none), in the
   * order given, duplicates once. `not_found` names the first that is not the gateway's.
   */
  markEvents(input: {
    orgId: string;
    gatewayId: string;
    eventIds: readonly string[];
    reviewerUserId: string;
    comment?: string | null;
  }): Promise<Result<ReviewMark[], "invalid" | "not_found">>;
  /**
   * Marks the events of one chain of the gateway (`chainId`: `<gateway id>` or
   * `<gateway id>:<run id>`) with `fromSeq <= seq <= toSeq` as reviewed. The same seq
   * numbers in the gateway's other chains (other process runs) are not covered.
   */
  markRange(input: {
    orgId: string;
    gatewayId: string;
    chainId: string;
    fromSeq: number;
    toSeq: number;
    reviewerUserId: string;
    comment?: string | null;
  }): Promise<Result<ReviewMark, "invalid" | "not_found">>;
  /** A gateway's review marks, newest first. */
  list(orgId: string, gatewayId: string, options?: { limit?: number }): Promise<ReviewMark[]>;
  /** The marks that cover one event (its own marks and any range of its chain containing its seq), oldest first. */
  forEvent(
    orgId: string,
    gatewayId: string,
    event: { eventId: string; chainId: string; seq: number },
  ): Promise<ReviewMark[]>;
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

    async markEvents({ orgId, gatewayId, eventIds, reviewerUserId, comment = null }) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0 || ids.length > maxReviewEventIds) {
        return {
          ok: false,
          code: "invalid",
          message: `mark between 1 and ${maxReviewEventIds} events at a time, not ${ids.length}`,
        };
      }
      const found = await db.auditEvent.findMany({
        where: { orgId, gatewayId, eventId: { in: ids } },
        select: { eventId: true },
      });
      const known = new Set(found.map((e) => e.eventId));
      const missing = ids.find((id) => !known.has(id));
      if (missing !== undefined) {
        return {
          ok: false,
          code: "not_found",
          message: `audit event \`${missing}\` not found on this gateway`,
        };
      }
      const rows = await db.auditReviewMark.createManyAndReturn({
        data: ids.map((eventId) => ({
          id: newId("review"),
          orgId,
          gatewayId,
          eventId,
          reviewerUserId,
          comment,
        })),
      });
      const order = new Map(ids.map((id, i) => [id, i]));
      rows.sort((a, b) => (order.get(a.eventId ?? "") ?? 0) - (order.get(b.eventId ?? "") ?? 0));
      return { ok: true, value: rows.map(toReviewMark) };
    },

    async markRange({ orgId, gatewayId, chainId, fromSeq, toSeq, reviewerUserId, comment = null }) {
      if (!Number.isInteger(fromSeq) || !Number.isInteger(toSeq) || fromSeq < 0 || toSeq < fromSeq) {
        return {
          ok: false,
          code: "invalid",
          message: `review range ${fromSeq}..${toSeq} is not a valid seq range`,
        };
      }
      if (!isChainOf(gatewayId, chainId)) {
        return {
          ok: false,
          code: "invalid",
          message: `chain \`${chainId}\` is not a chain of gateway \`${gatewayId}\``,
        };
      }
      try {
        const row = await db.auditReviewMark.create({
          data: {
            id: newId("review"),
            orgId,
            gatewayId,
            chainId,
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

    async forEvent(orgId, gatewayId, { eventId, chainId, seq }) {
      const rows = await db.auditReviewMark.findMany({
        where: {
          orgId,
          gatewayId,
          OR: [{ eventId }, { chainId, fromSeq: { lte: BigInt(seq) }, toSeq: { gte: BigInt(seq) } }],
        },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
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
    chainId: row.chainId,
    fromSeq: row.fromSeq === null ? null : Number(row.fromSeq),
    toSeq: row.toSeq === null ? null : Number(row.toSeq),
    reviewerUserId: row.reviewerUserId,
    comment: row.comment,
    createdAt: iso(row.createdAt),
  };
}
