import { createApiTokensService } from "../../services/api-tokens/api-tokens-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** The caller's own tokens in this organization (prefix and dates, never the token). */
export const list = orgProcedure("viewer").query(({ ctx }) =>
  createApiTokensService(ctx.deps).list(actorOf(ctx)),
);
