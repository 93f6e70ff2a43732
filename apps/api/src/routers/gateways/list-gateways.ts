import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listGatewaysInput = z.object({ includeRevoked: z.boolean().optional() });

/** The organization's gateways with last-seen time and bundle versions. */
export const list = orgProcedure("viewer")
  .input(listGatewaysInput)
  .query(({ ctx, input }) => createGatewaysService(ctx.deps).list(actorOf(ctx), input));
