import { z } from "zod";
import { createAuthService } from "../../services/auth/auth-service.ts";
import { maxPasswordLength } from "../../services/auth/password.ts";
import { publicProcedure } from "../../trpc/init.ts";
import { metaOf } from "../procedure-context.ts";

export const logInInput = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(maxPasswordLength),
});

/** Checks the password (throttled) and sets a new session cookie (`tf_session`). */
export const logIn = publicProcedure
  .input(logInInput)
  .mutation(({ ctx, input }) => createAuthService(ctx.deps).logIn(input, metaOf(ctx)));
