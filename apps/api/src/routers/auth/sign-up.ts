import { z } from "zod";
import { createAuthService } from "../../services/auth/auth-service.ts";
import { maxPasswordLength, minPasswordLength } from "../../services/auth/password.ts";
import { publicProcedure } from "../../trpc/init.ts";
import { metaOf } from "../procedure-context.ts";

export const signUpInput = z.object({
  email: z.email().max(254),
  password: z.string().min(minPasswordLength).max(maxPasswordLength),
  name: z.string().trim().min(1).max(100).optional(),
  orgName: z.string().trim().min(1).max(100),
});

/** Creates an account and a new organization whose owner it is, and logs in (session cookie). */
export const signUp = publicProcedure
  .input(signUpInput)
  .mutation(({ ctx, input }) => createAuthService(ctx.deps).signUp(input, metaOf(ctx)));
