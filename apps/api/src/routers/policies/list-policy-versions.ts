import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listPolicyVersionsInput = z.object({ policyId: z.string().min(1).max(128) });

/** Every version of a policy, newest first. */
export const versions = orgProcedure("viewer")
  .input(listPolicyVersionsInput)
  .query(({ ctx, input }) => createPoliciesService(ctx.deps).versions(actorOf(ctx), input.policyId));
