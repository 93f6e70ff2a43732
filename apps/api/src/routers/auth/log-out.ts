import { createAuthService } from "../../services/auth/auth-service.ts";
import { publicProcedure } from "../../trpc/init.ts";
import { metaOf } from "../procedure-context.ts";

/** Ends the current session and clears its cookie. */
export const logOut = publicProcedure.mutation(({ ctx }) => createAuthService(ctx.deps).logOut(metaOf(ctx)));
