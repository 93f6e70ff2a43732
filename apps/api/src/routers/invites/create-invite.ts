import { roleSchema } from "@tameflare/contracts";
import { z } from "zod";
import { createInvitesService } from "../../services/invites/invites-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const createInviteInput = z.object({
  email: z.email().max(254),
  role: roleSchema,
  /** How long the link works (default 7 days). */
  ttlHours: z
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .optional(),
});

/** A single-use expiring invite link; the token is shown once. Admin and up (only an owner invites owners). */
export const create = orgProcedure("admin")
  .input(createInviteInput)
  .mutation(({ ctx, input }) => createInvitesService(ctx.deps).create(actorOf(ctx), input));
