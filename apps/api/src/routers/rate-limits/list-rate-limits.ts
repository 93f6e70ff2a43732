import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listRateLimitsInput = z.object({ gatewayId: z.string().min(1).max(128).optional() });

/** Rate limits of the organization, or those applying to one gateway. */
export const list = orgProcedure("viewer")
  .input(listRateLimitsInput)
  .query(({ ctx, input }) => createGatewaysService(ctx.deps).listRateLimits(actorOf(ctx), input));
