import { z } from "zod";
import { createConfigService } from "../../services/config/config-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { documentSourceOf, documentSourceSchema } from "../policies/policy-source.types.ts";
import { actorOf } from "../procedure-context.ts";

export const importConfigInput = z.object({
  gatewayId: z.string().min(1).max(128),
  source: documentSourceSchema,
});

/**
 * Makes the gateway match a policy document: validated first (`{ok: false, errors}`), then
 * applied in one transaction. Secrets and kill switches are refused. Admin and up.
 */
export const importConfig = orgProcedure("admin")
  .input(importConfigInput)
  .mutation(({ ctx, input }) =>
    createConfigService(ctx.deps).importGateway(
      actorOf(ctx),
      input.gatewayId,
      documentSourceOf(input.source),
    ),
  );
