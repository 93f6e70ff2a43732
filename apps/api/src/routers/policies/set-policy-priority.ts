import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const setPolicyPriorityInput = z.object({
  policyId: z.string().min(1).max(128),
  priority: z.number().int().min(-1_000_000).max(1_000_000),
});

/** Changes a policy's priority (a new version). Admin and up. */
export const setPriority = orgProcedure("admin")
  .input(setPolicyPriorityInput)
  .mutation(({ ctx, input }) =>
    createPoliciesService(ctx.deps).setPriority(actorOf(ctx), input.policyId, input.priority),
  );
