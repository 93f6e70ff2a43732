import { AppError } from "../../errors/app-error.ts";
import { createOrgsService } from "../../services/orgs/orgs-service.ts";
import { authedProcedure } from "../../trpc/init.ts";

/** The caller's organizations with their role in each. */
export const list = authedProcedure.query(({ ctx }) => {
  if (ctx.principal.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return createOrgsService(ctx.deps).list(ctx.principal);
});
