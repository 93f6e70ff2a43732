import { AppError } from "../../errors/app-error.ts";
import { createOrgsService } from "../../services/orgs/orgs-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** Makes an organization the session's active one. */
export const switchOrg = orgProcedure("viewer").mutation(({ ctx }) => {
  if (ctx.principal.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return createOrgsService(ctx.deps).switchTo(ctx.principal, actorOf(ctx));
});
