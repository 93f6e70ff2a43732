import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { listReviewsInput } from "./audit-input.types.ts";

/** A gateway's review marks, newest first. */
export const reviews = orgProcedure("viewer")
  .input(listReviewsInput)
  .query(({ ctx, input }) =>
    createAuditService(ctx.deps).reviews(actorOf(ctx), input.gatewayId, input.limit),
  );
