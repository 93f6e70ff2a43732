import { z } from "zod";
import { createVaultService, maxSecretLength } from "../../services/vault/vault-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const setSecretInput = z.object({
  gatewayId: z.string().min(1).max(128),
  connectorId: z.string().min(1).max(128),
  value: z.string().min(1).max(maxSecretLength),
});

/** Stores a connector's credential encrypted; returns metadata only (never the value). Admin and up. */
export const setSecret = orgProcedure("admin")
  .input(setSecretInput)
  .mutation(({ ctx, input }) => createVaultService(ctx.deps).setSecret(actorOf(ctx), input));
