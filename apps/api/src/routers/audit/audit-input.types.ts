import { auditQuerySchema, maxReviewEventIds } from "@tameflare/contracts";
import { z } from "zod";

const gatewayId = z.string().min(1).max(128);

/** Filters of `audit.list` (and of `GET /export/audit`): contracts `auditQuerySchema` without the org. */
export const listAuditInput = auditQuerySchema.omit({ orgId: true });
export type ListAuditInput = z.infer<typeof listAuditInput>;

export const getAuditEventInput = z.object({ eventId: z.string().min(1).max(128) });

export const verifyChainInput = z.object({
  gatewayId,
  /** One chain (`<gateway id>:<run id>`); omitted: every chain of the gateway. */
  chainId: z.string().min(1).max(128).optional(),
});

export const gatewayInput = z.object({ gatewayId });

/** Exactly one form: `eventId`, `eventIds`, or `chainId` + `fromSeq` + `toSeq` (the service says which is missing). */
export const markReviewedInput = z.object({
  gatewayId,
  /** One event… */
  eventId: z.string().min(1).max(128).optional(),
  /** …or exactly these events, one mark each (what a filtered page of the audit log shows)… */
  eventIds: z.array(z.string().min(1).max(128)).min(1).max(maxReviewEventIds).optional(),
  /**
   * …or the events of one chain of the gateway (`<gateway id>` or `<gateway id>:<run id>`:
   * seq numbers restart at 0 in each gateway process run) with `fromSeq <= seq <= toSeq`.
   */
  chainId: z.string().min(1).max(128).optional(),
  fromSeq: z.number().int().nonnegative().optional(),
  toSeq: z.number().int().nonnegative().optional(),
  comment: z.string().trim().max(2000).optional(),
});

export const listReviewsInput = z.object({ gatewayId, limit: z.number().int().min(1).max(500).optional() });

/** The events `audit.list` would select with the same filters (paging aside) that no review mark covers. */
export const unreviewedCountInput = listAuditInput.omit({ cursor: true, limit: true, unreviewed: true });

/** Longest window `audit.stats` aggregates: 24 hours. */
export const maxStatsWindowMinutes = 24 * 60;

export const auditStatsInput = z.object({
  /** One gateway; omitted: the whole organization. */
  gatewayId: gatewayId.optional(),
  /** Whole minutes ending with the current one (default the last hour, at most 24 hours). */
  windowMinutes: z.number().int().min(1).max(maxStatsWindowMinutes).default(60),
  /** How many action types and agents to rank. */
  top: z.number().int().min(1).max(50).default(6),
});

/** Shipped seq ranges a gateway asks about (`audit.ingestStatus`). */
export const ingestStatusInput = z.object({
  ranges: z
    .array(
      z.object({
        chain_id: z.string().min(1).max(128),
        from_seq: z.number().int().nonnegative(),
        to_seq: z.number().int().nonnegative(),
      }),
    )
    .min(1)
    .max(200),
});
