import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const setPolicyEnabledInput = z.object({ policyId: z.string().min(1).max(128), enabled: z.boolean() });

/** Enables or disables a policy (a new version). Admin and up. */
export const setEnabled = orgProcedure("admin")
  .input(setPolicyEnabledInput)
  .mutation(({ ctx, input }) =>
    createPoliciesService(ctx.deps).setEnabled(actorOf(ctx), input.policyId, input.enabled),
  );
