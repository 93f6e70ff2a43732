import { z } from "zod";
import { createVaultService } from "../../services/vault/vault-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const deleteSecretInput = z.object({
  gatewayId: z.string().min(1).max(128),
  connectorId: z.string().min(1).max(128),
});

/** Deletes a connector's secret. Admin and up. */
export const deleteSecret = orgProcedure("admin")
  .input(deleteSecretInput)
  .mutation(async ({ ctx, input }) => {
    await createVaultService(ctx.deps).deleteSecret(actorOf(ctx), input);
    return { deleted: true as const };
  });
