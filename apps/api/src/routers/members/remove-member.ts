import { z } from "zod";
import { createMembersService } from "../../services/members/members-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const removeMemberInput = z.object({ userId: z.string().min(1).max(128) });

/** Removes a member. Owner only; the last owner cannot be removed. */
export const remove = orgProcedure("owner")
  .input(removeMemberInput)
  .mutation(async ({ ctx, input }) => {
    await createMembersService(ctx.deps).remove(actorOf(ctx), input.userId);
    return { removed: true as const };
  });
