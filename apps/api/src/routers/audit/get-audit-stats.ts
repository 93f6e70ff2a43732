import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { auditStatsInput } from "./audit-input.types.ts";

/**
 * The overview's numbers for the last `windowMinutes` (default 60, at most 24 h), computed in
 * the database: requests per minute by decision, totals, top action types and agents with
 * their denials, and counts per gateway. Exact however many events the window holds.
 */
export const stats = orgProcedure("viewer")
  .input(auditStatsInput)
  .query(({ ctx, input }) => {
    const { orgId: _orgId, ...rest } = input;
    return createAuditService(ctx.deps).stats(actorOf(ctx), rest);
  });
