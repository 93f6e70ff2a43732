import { createSlackService } from "../../services/slack/slack-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

/** The organization's Slack settings: channel, mode, and which secrets are set (never their values). */
export const getSettings = orgProcedure("viewer").query(({ ctx }) =>
  createSlackService(ctx.deps).getSettings(actorOf(ctx)),
);
