import { z } from "zod";
import { createVaultService } from "../../services/vault/vault-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listSecretsInput = z.object({ gatewayId: z.string().min(1).max(128) });

/** A gateway's secrets: which connector, key id, last four characters, dates. */
export const list = orgProcedure("viewer")
  .input(listSecretsInput)
  .query(({ ctx, input }) => createVaultService(ctx.deps).list(actorOf(ctx), input.gatewayId));
