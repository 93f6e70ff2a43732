import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const removePolicyInput = z.object({ policyId: z.string().min(1).max(128) });

/** Deletes a policy; its versions are kept. Admin and up. */
export const remove = orgProcedure("admin")
  .input(removePolicyInput)
  .mutation(async ({ ctx, input }) => {
    await createPoliciesService(ctx.deps).remove(actorOf(ctx), input.policyId);
    return { removed: true as const };
  });
