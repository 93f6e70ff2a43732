import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { markReviewedInput } from "./audit-input.types.ts";

/**
 * Marks one event, exactly the events named, or a seq range of one chain of a gateway as
 * reviewed, with an optional comment; answers the marks made.
 */
export const markReviewed = orgProcedure("member")
  .input(markReviewedInput)
  .mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...rest } = input;
    return createAuditService(ctx.deps).markReviewed(actorOf(ctx), rest);
  });
