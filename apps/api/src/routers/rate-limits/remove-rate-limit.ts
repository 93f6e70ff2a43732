import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const removeRateLimitInput = z.object({ rateLimitId: z.string().min(1).max(128) });

/** Removes a rate limit. Admin and up. */
export const remove = orgProcedure("admin")
  .input(removeRateLimitInput)
  .mutation(async ({ ctx, input }) => {
    await createGatewaysService(ctx.deps).removeRateLimit(actorOf(ctx), input.rateLimitId);
    return { removed: true as const };
  });
