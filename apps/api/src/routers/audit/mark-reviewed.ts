import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { markReviewedInput } from "./audit-input.types.ts";

/** Marks one event, or a seq range of a gateway's events, as reviewed with an optional comment. */
export const markReviewed = orgProcedure("member")
  .input(markReviewedInput)
  .mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...rest } = input;
    return createAuditService(ctx.deps).markReviewed(actorOf(ctx), rest);
  });
