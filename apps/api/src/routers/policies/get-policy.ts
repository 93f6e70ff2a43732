import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const getPolicyInput = z.object({ policyId: z.string().min(1).max(128) });

/** One policy with its current version as YAML. */
export const get = orgProcedure("viewer")
  .input(getPolicyInput)
  .query(({ ctx, input }) => createPoliciesService(ctx.deps).get(actorOf(ctx), input.policyId));
