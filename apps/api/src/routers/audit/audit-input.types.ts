import { auditQuerySchema } from "@tameflare/contracts";
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

export const markReviewedInput = z.object({
  gatewayId,
  /** One event… */
  eventId: z.string().min(1).max(128).optional(),
  /** …or the gateway's events with `fromSeq <= seq <= toSeq`. */
  fromSeq: z.number().int().nonnegative().optional(),
  toSeq: z.number().int().nonnegative().optional(),
  comment: z.string().trim().max(2000).optional(),
});

export const listReviewsInput = z.object({ gatewayId, limit: z.number().int().min(1).max(500).optional() });

export const unreviewedCountInput = z.object({ gatewayId: gatewayId.optional() });

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
