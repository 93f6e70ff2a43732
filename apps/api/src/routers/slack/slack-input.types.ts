import { z } from "zod";

const secret = z.string().trim().min(8).max(4096);

/** Fields left out keep their stored value; `null` clears one. */
export const saveSlackSettingsInput = z.object({
  /** `#approvals` or a channel id (`C0123…`), for the bot token. */
  channel: z
    .string()
    .trim()
    .regex(/^(#[a-z0-9_-]{1,80}|[CGD][A-Z0-9]{6,20})$/, "use `#channel-name` or a channel id")
    .nullable()
    .optional(),
  teamId: z
    .string()
    .trim()
    .regex(/^T[A-Z0-9]{6,20}$/, "use the workspace id (`T…`)")
    .nullable()
    .optional(),
  /** `xoxb-…` */
  botToken: secret.nullable().optional(),
  /** The app's signing secret: enables interactive buttons (requests verified with it). */
  signingSecret: secret.nullable().optional(),
  /** An incoming webhook URL (`https://hooks.slack.com/services/…`), instead of a bot token. */
  webhookUrl: z.string().trim().url().max(2048).nullable().optional(),
});
