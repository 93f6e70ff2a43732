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

export const createPolicyInput = z
  .object({
    /** Omitted or null: the policy applies to every gateway of the organization. */
    gatewayId: z.string().min(1).max(128).nullable().optional(),
    ...policySourceFields,
    changeNote: z.string().max(500).optional(),
  })
  .refine(hasOnePolicySource, onePolicySource);

/**
 * Creates a policy (version 1). Invalid content is `{ok: false, errors}` with the engine's
 * paths (and lines for YAML). Admin and up.
 */
export const create = orgProcedure("admin")
  .input(createPolicyInput)
  .mutation(({ ctx, input }) =>
    createPoliciesService(ctx.deps).create(actorOf(ctx), {
      gatewayId: input.gatewayId,
      source: policySourceOf(input),
      changeNote: input.changeNote,
    }),
  );
