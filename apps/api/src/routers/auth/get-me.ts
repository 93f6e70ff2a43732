import { AppError } from "../../errors/app-error.ts";
import { createAuthService } from "../../services/auth/auth-service.ts";
import { authedProcedure } from "../../trpc/init.ts";

/** The signed-in user and their memberships. */
export const me = authedProcedure.query(({ ctx }) => {
  if (ctx.principal.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return createAuthService(ctx.deps).me(ctx.principal);
});
