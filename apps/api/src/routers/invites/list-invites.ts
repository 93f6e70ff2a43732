import { createInvitesService } from "../../services/invites/invites-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** Pending invites (never their tokens). Admin and up. */
export const list = orgProcedure("admin").query(({ ctx }) =>
  createInvitesService(ctx.deps).listPending(actorOf(ctx)),
);
