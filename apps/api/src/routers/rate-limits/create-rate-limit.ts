import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const createRateLimitInput = z.object({
  /** Omitted or null: every gateway of the organization. */
  gatewayId: z.string().min(1).max(128).nullable().optional(),
  name: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(512),
  perAgent: z.boolean().optional(),
  max: z.number().int().min(1).max(1_000_000),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
});

/** Adds a rate limit (validated by the policy engine). Admin and up. */
export const create = orgProcedure("admin")
  .input(createRateLimitInput)
  .mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...limit } = input;
    return createGatewaysService(ctx.deps).createRateLimit(actorOf(ctx), limit);
  });
