import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import {
  hasOnePolicySource,
  onePolicySource,
  policySourceFields,
  policySourceOf,
} from "./policy-source.types.ts";

export const updatePolicyInput = z
  .object({
    policyId: z.string().min(1).max(128),
    ...policySourceFields,
    changeNote: z.string().max(500).optional(),
  })
  .refine(hasOnePolicySource, onePolicySource);

/** Stores new content as the next immutable version (`{ok: false, errors}` when invalid). Admin and up. */
export const update = orgProcedure("admin")
  .input(updatePolicyInput)
  .mutation(({ ctx, input }) =>
    createPoliciesService(ctx.deps).update(actorOf(ctx), {
      policyId: input.policyId,
      source: policySourceOf(input),
      changeNote: input.changeNote,
    }),
  );
