import { roleSchema } from "@tameflare/contracts";
import { z } from "zod";
import { createMembersService } from "../../services/members/members-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const setMemberRoleInput = z.object({ userId: z.string().min(1).max(128), role: roleSchema });

/** Changes a member's role. Owner only; the last owner cannot be demoted. */
export const setRole = orgProcedure("owner")
  .input(setMemberRoleInput)
  .mutation(({ ctx, input }) =>
    createMembersService(ctx.deps).setRole(actorOf(ctx), input.userId, input.role),
  );
