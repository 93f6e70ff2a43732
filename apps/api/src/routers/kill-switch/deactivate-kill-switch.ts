import { z } from "zod";
import { createKillSwitchService } from "../../services/kill-switch/kill-switch-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const deactivateKillSwitchInput = z.object({ killSwitchId: z.string().min(1).max(128) });

/** Lifts a kill switch. Owner only; recorded with who and when. */
export const deactivate = orgProcedure("owner")
  .input(deactivateKillSwitchInput)
  .mutation(({ ctx, input }) =>
    createKillSwitchService(ctx.deps).deactivate(actorOf(ctx), input.killSwitchId),
  );
