import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { documentSourceOf, documentSourceSchema } from "./policy-source.types.ts";

export const simulatePolicyInput = z.object({
  gatewayId: z.string().min(1).max(128),
  days: z.number().int().min(1).max(90).default(7),
  /** Omitted: the gateway's current configuration (nothing should change). */
  draft: documentSourceSchema.optional(),
});

/**
 * Re-decides the gateway's audited actions of the last N days under a draft: counts per
 * action type old → new decision and up to 20 examples (type-level: see `limitations`).
 */
export const simulate = orgProcedure("viewer")
  .input(simulatePolicyInput)
  .query(({ ctx, input }) =>
    createPoliciesService(ctx.deps).simulate(actorOf(ctx), {
      gatewayId: input.gatewayId,
      days: input.days,
      draft: input.draft === undefined ? undefined : documentSourceOf(input.draft),
    }),
  );
