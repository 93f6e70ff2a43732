import { z } from "zod";
import { createOrgsService } from "../../services/orgs/orgs-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const updateOrgInput = z.object({ name: z.string().trim().min(1).max(100) });

/** Organization settings (its name). Admin and up. */
export const update = orgProcedure("admin")
  .input(updateOrgInput)
  .mutation(({ ctx, input }) => createOrgsService(ctx.deps).rename(actorOf(ctx), input.name));
