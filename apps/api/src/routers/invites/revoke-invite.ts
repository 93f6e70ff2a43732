import { z } from "zod";
import { createInvitesService } from "../../services/invites/invites-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const revokeInviteInput = z.object({ inviteId: z.string().min(1).max(128) });

/** Revokes a pending invite: its link stops working. Admin and up. */
export const revoke = orgProcedure("admin")
  .input(revokeInviteInput)
  .mutation(async ({ ctx, input }) => {
    await createInvitesService(ctx.deps).revoke(actorOf(ctx), input.inviteId);
    return { revoked: true as const };
  });
