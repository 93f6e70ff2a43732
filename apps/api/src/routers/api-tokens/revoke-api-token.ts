import { z } from "zod";
import { createApiTokensService } from "../../services/api-tokens/api-tokens-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const revokeApiTokenInput = z.object({ tokenId: z.string().min(1).max(128) });

/** Revokes one of the caller's own tokens. */
export const revoke = orgProcedure("viewer")
  .input(revokeApiTokenInput)
  .mutation(async ({ ctx, input }) => {
    await createApiTokensService(ctx.deps).revoke(actorOf(ctx), input.tokenId);
    return { revoked: true as const };
  });
