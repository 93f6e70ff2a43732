import { createSlackService } from "../../services/slack/slack-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** Posts a test message with the saved settings and reports Slack's answer (admins and up). */
export const sendTest = orgProcedure("admin").mutation(({ ctx }) =>
  createSlackService(ctx.deps).sendTest(actorOf(ctx)),
);
