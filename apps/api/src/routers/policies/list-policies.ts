import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listPoliciesInput = z.object({ gatewayId: z.string().min(1).max(128).optional() });

/** Live policies (with `gatewayId`: those applying to that gateway), highest priority first. */
export const list = orgProcedure("viewer")
  .input(listPoliciesInput)
  .query(({ ctx, input }) => createPoliciesService(ctx.deps).list(actorOf(ctx), input));
