import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { gatewayInput } from "./audit-input.types.ts";

/** The hash chains of a gateway's events (one per gateway process run) with their seq span. */
export const chains = orgProcedure("viewer")
  .input(gatewayInput)
  .query(({ ctx, input }) => createAuditService(ctx.deps).chains(actorOf(ctx), input.gatewayId));
