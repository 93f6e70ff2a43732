import { z } from "zod";
import { createApiTokensService } from "../../services/api-tokens/api-tokens-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const createApiTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** A personal API token (`tfpat_…`, shown once) acting with the caller's role in this organization. */
export const create = orgProcedure("viewer")
  .input(createApiTokenInput)
  .mutation(({ ctx, input }) => createApiTokensService(ctx.deps).create(actorOf(ctx), input));
