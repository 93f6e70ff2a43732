import { z } from "zod";
import { maxPasswordLength, minPasswordLength } from "../../services/auth/password.ts";
import { createInvitesService } from "../../services/invites/invites-service.ts";
import { publicProcedure } from "../../trpc/init.ts";
import { metaOf } from "../procedure-context.ts";

export const acceptInviteInput = z.object({
  token: z.string().min(1).max(256),
  /** For a new account: its password (the account is created and logged in). */
  password: z.string().min(minPasswordLength).max(maxPasswordLength).optional(),
  name: z.string().trim().min(1).max(100).optional(),
});

/** Accepts an invite link once: joins the organization (creating the account when new). */
export const accept = publicProcedure
  .input(acceptInviteInput)
  .mutation(({ ctx, input }) => createInvitesService(ctx.deps).accept(ctx.principal, input, metaOf(ctx)));
