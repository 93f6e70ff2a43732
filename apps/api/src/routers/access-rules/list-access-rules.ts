import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listAccessRulesInput = z.object({ gatewayId: z.string().min(1).max(128) });

/** A gateway's access rules in order. */
export const list = orgProcedure("viewer")
  .input(listAccessRulesInput)
  .query(({ ctx, input }) => createGatewaysService(ctx.deps).listAccessRules(actorOf(ctx), input.gatewayId));
