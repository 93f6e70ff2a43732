import { actionSchema } from "@tameflare/contracts";
import { z } from "zod";
import { createPoliciesService } from "../../services/policies/policies-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { documentSourceOf, documentSourceSchema } from "./policy-source.types.ts";

export const sandboxPolicyInput = z
  .object({
    /** The gateway whose identity (and, without a draft, whose current configuration) is used. */
    gatewayId: z.string().min(1).max(128).optional(),
    draft: documentSourceSchema.optional(),
    agent: z.string().min(1).max(256).optional(),
    /** An action as JSON … */
    action: actionSchema.optional(),
    /** … or a raw request `METHOD URL`, with an optional body and headers. */
    request: z.string().min(1).max(8192).optional(),
    body: z
      .string()
      .max(1024 * 1024)
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((i) => (i.action !== undefined) !== (i.request !== undefined), {
    message: "send an `action` or a `request`, exactly one",
  });

/** Evaluates an action or a raw request against a draft document: the decision and its explanation. */
export const sandbox = orgProcedure("viewer")
  .input(sandboxPolicyInput)
  .query(({ ctx, input }) =>
    createPoliciesService(ctx.deps).sandbox(actorOf(ctx), {
      gatewayId: input.gatewayId,
      draft: input.draft === undefined ? undefined : documentSourceOf(input.draft),
      agent: input.agent,
      subject:
        input.action !== undefined
          ? { action: input.action }
          : { request: { request: input.request ?? "", body: input.body, headers: input.headers } },
    }),
  );
