import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const diffPolicyVersionsInput = z.object({
  policyId: z.string().min(1).max(128),
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});

/** A line diff of the YAML of two versions. */
export const diff = orgProcedure("viewer")
  .input(diffPolicyVersionsInput)
  .query(({ ctx, input }) => createPoliciesService(ctx.deps).diff(actorOf(ctx), input));
