import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { unreviewedCountInput } from "./audit-input.types.ts";

/** How many events of the organization (or one gateway) no review mark covers. */
export const unreviewedCount = orgProcedure("viewer")
  .input(unreviewedCountInput)
  .query(({ ctx, input }) => createAuditService(ctx.deps).unreviewedCount(actorOf(ctx), input.gatewayId));
