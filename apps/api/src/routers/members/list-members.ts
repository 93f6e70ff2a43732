import { createMembersService } from "../../services/members/members-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** Members with their roles. Everyone views. */
export const list = orgProcedure("viewer").query(({ ctx }) =>
  createMembersService(ctx.deps).list(actorOf(ctx)),
);
