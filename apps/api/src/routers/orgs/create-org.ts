import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import { createOrgsService } from "../../services/orgs/orgs-service.ts";
import { authedProcedure } from "../../trpc/init.ts";

export const createOrgInput = z.object({ name: z.string().trim().min(1).max(100) });

/** A further organization, owned by the caller. */
export const create = authedProcedure.input(createOrgInput).mutation(({ ctx, input }) => {
  if (ctx.principal.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return createOrgsService(ctx.deps).create(ctx.principal, input.name);
});
