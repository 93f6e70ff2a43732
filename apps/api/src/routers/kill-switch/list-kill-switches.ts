import { z } from "zod";
import { createKillSwitchService } from "../../services/kill-switch/kill-switch-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listKillSwitchesInput = z.object({
  /** True: the most recent kill switches, active or lifted, newest first. */
  history: z.boolean().optional(),
  /** Only those affecting this gateway (active ones). */
  gatewayId: z.string().min(1).max(128).optional(),
});

/** Active kill switches, or their history. */
export const list = orgProcedure("viewer")
  .input(listKillSwitchesInput)
  .query(({ ctx, input }) => createKillSwitchService(ctx.deps).list(actorOf(ctx), input));
