import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { unreviewedCountInput } from "./audit-input.types.ts";

/**
 * How many events of the organization (or one gateway) no review mark covers, among those the
 * filters of `audit.list` select (time range, agent, connector, action, decision, status).
 */
export const unreviewedCount = orgProcedure("viewer")
  .input(unreviewedCountInput)
  .query(({ ctx, input }) => {
    const { orgId: _orgId, ...filters } = input;
    return createAuditService(ctx.deps).unreviewedCount(actorOf(ctx), filters);
  });
