import { createSlackService } from "../../services/slack/slack-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { saveSlackSettingsInput } from "./slack-input.types.ts";

/** Saves the Slack settings (admins and up); secrets are sealed by the vault and never returned. */
export const saveSettings = orgProcedure("admin")
  .input(saveSlackSettingsInput)
  .mutation(({ ctx, input }) => {
    const { orgId: _orgId, ...settings } = input;
    return createSlackService(ctx.deps).saveSettings(actorOf(ctx), settings);
  });
