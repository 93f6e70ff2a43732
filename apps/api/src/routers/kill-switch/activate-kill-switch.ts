import { killSwitchScopeSchema } from "@tameflare/contracts";
import { z } from "zod";
import { createKillSwitchService } from "../../services/kill-switch/kill-switch-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const activateKillSwitchInput = z.object({
  scope: killSwitchScopeSchema,
  /** The connector name (scope `connector`) or the gateway id (scope `gateway`); none for `global`. */
  target: z.string().min(1).max(128).optional(),
  /** Narrows a connector kill switch to one gateway. */
  gatewayId: z.string().min(1).max(128).optional(),
  reason: z.string().trim().min(1).max(500),
});

/** Stops traffic (global, one connector, or one gateway). Owner only; recorded with who and why. */
export const activate = orgProcedure("owner")
  .input(activateKillSwitchInput)
  .mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...rest } = input;
    return createKillSwitchService(ctx.deps).activate(actorOf(ctx), rest);
  });
