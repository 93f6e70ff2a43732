import type { RiskLevel } from "@tameflare/contracts";

/** What one Slack Web API method means. */
export interface SlackMethod {
  /** The method as Slack documents it (`chat.postMessage`). */
  name: string;
  action: string;
  risk: RiskLevel;
  read: boolean;
}

type Entry = [name: string, action: string, risk: RiskLevel, read?: true];

// Slack ignores HTTP semantics (a GET can post a message), so read-ness and risk
// come from the method, never from the HTTP verb. Deleting messages or files,
// sharing a file publicly or a channel with another organization, and
// uninstalling the app are high risk; reads low; other writes medium (trivial
// ones, such as reactions or pins, low).
const entries: Entry[] = [
  ["chat.postMessage", "slack.message.send", "medium"],
  ["chat.postEphemeral", "slack.message.send_ephemeral", "medium"],
  ["chat.meMessage", "slack.message.send_me", "medium"],
  ["chat.scheduleMessage", "slack.message.schedule", "medium"],
  ["chat.deleteScheduledMessage", "slack.message.delete_scheduled", "medium"],
  ["chat.scheduledMessages.list", "slack.message.list_scheduled", "low", true],
  ["chat.update", "slack.message.update", "medium"],
  ["chat.delete", "slack.message.delete", "high"],
  ["chat.getPermalink", "slack.message.permalink", "low", true],
  ["chat.unfurl", "slack.message.unfurl", "medium"],

  ["conversations.create", "slack.channel.create", "medium"],
  ["conversations.archive", "slack.channel.archive", "medium"],
  ["conversations.unarchive", "slack.channel.unarchive", "medium"],
  ["conversations.invite", "slack.channel.invite", "medium"],
  ["conversations.inviteShared", "slack.channel.invite_shared", "high"],
  ["conversations.kick", "slack.channel.kick", "medium"],
  ["conversations.rename", "slack.channel.rename", "medium"],
  ["conversations.setTopic", "slack.channel.set_topic", "medium"],
  ["conversations.setPurpose", "slack.channel.set_purpose", "medium"],
  ["conversations.join", "slack.channel.join", "medium"],
  ["conversations.leave", "slack.channel.leave", "medium"],
  ["conversations.open", "slack.channel.open", "medium"],
  ["conversations.close", "slack.channel.close", "medium"],
  ["conversations.mark", "slack.channel.mark", "low"],
  ["conversations.history", "slack.channel.history", "low", true],
  ["conversations.list", "slack.channel.list", "low", true],
  ["conversations.info", "slack.channel.info", "low", true],
  ["conversations.members", "slack.channel.members", "low", true],
  ["conversations.replies", "slack.channel.replies", "low", true],

  // Every way of uploading a file is one action: the legacy method, the SDK's
  // name for the new flow, and the two calls of the external-upload flow.
  ["files.upload", "slack.file.upload", "medium"],
  ["files.uploadV2", "slack.file.upload", "medium"],
  ["files.getUploadURLExternal", "slack.file.upload", "medium"],
  ["files.completeUploadExternal", "slack.file.upload", "medium"],
  ["files.delete", "slack.file.delete", "high"],
  ["files.list", "slack.file.list", "low", true],
  ["files.info", "slack.file.info", "low", true],
  ["files.sharedPublicURL", "slack.file.share_public", "high"],
  ["files.revokePublicURL", "slack.file.revoke_public", "medium"],

  ["users.list", "slack.user.list", "low", true],
  ["users.info", "slack.user.info", "low", true],
  ["users.lookupByEmail", "slack.user.lookup_by_email", "low", true],
  ["users.conversations", "slack.user.conversations", "low", true],
  ["users.getPresence", "slack.user.get_presence", "low", true],
  ["users.setPresence", "slack.user.set_presence", "low"],
  ["users.identity", "slack.user.identity", "low", true],
  ["users.profile.get", "slack.user.get_profile", "low", true],
  ["users.profile.set", "slack.user.set_profile", "medium"],

  ["reactions.add", "slack.reaction.add", "low"],
  ["reactions.remove", "slack.reaction.remove", "low"],
  ["reactions.get", "slack.reaction.get", "low", true],
  ["reactions.list", "slack.reaction.list", "low", true],
  ["pins.add", "slack.pin.add", "low"],
  ["pins.remove", "slack.pin.remove", "low"],
  ["pins.list", "slack.pin.list", "low", true],
  ["bookmarks.add", "slack.bookmark.add", "medium"],
  ["bookmarks.edit", "slack.bookmark.update", "medium"],
  ["bookmarks.remove", "slack.bookmark.remove", "medium"],
  ["bookmarks.list", "slack.bookmark.list", "low", true],
  ["reminders.add", "slack.reminder.add", "medium"],
  ["reminders.complete", "slack.reminder.complete", "low"],
  ["reminders.delete", "slack.reminder.delete", "medium"],
  ["reminders.info", "slack.reminder.info", "low", true],
  ["reminders.list", "slack.reminder.list", "low", true],

  ["usergroups.create", "slack.usergroup.create", "medium"],
  ["usergroups.update", "slack.usergroup.update", "medium"],
  ["usergroups.disable", "slack.usergroup.disable", "medium"],
  ["usergroups.enable", "slack.usergroup.enable", "medium"],
  ["usergroups.list", "slack.usergroup.list", "low", true],
  ["usergroups.users.update", "slack.usergroup.update_users", "medium"],
  ["usergroups.users.list", "slack.usergroup.list_users", "low", true],

  ["team.info", "slack.team.info", "low", true],
  ["team.accessLogs", "slack.team.access_logs", "low", true],
  ["team.billableInfo", "slack.team.billable_info", "low", true],
  ["team.profile.get", "slack.team.get_profile", "low", true],
  ["auth.test", "slack.auth.test", "low", true],
  ["auth.revoke", "slack.auth.revoke", "medium"],
  ["bots.info", "slack.bot.info", "low", true],
  ["emoji.list", "slack.emoji.list", "low", true],
  ["search.messages", "slack.search.messages", "low", true],
  ["search.files", "slack.search.files", "low", true],
  ["search.all", "slack.search.all", "low", true],
  ["dnd.setSnooze", "slack.dnd.set_snooze", "low"],
  ["dnd.endSnooze", "slack.dnd.end_snooze", "low"],
  ["dnd.info", "slack.dnd.info", "low", true],
  ["views.open", "slack.view.open", "medium"],
  ["views.push", "slack.view.push", "medium"],
  ["views.update", "slack.view.update", "medium"],
  ["views.publish", "slack.view.publish", "medium"],
  ["canvases.create", "slack.canvas.create", "medium"],
  ["canvases.edit", "slack.canvas.edit", "medium"],
  ["canvases.delete", "slack.canvas.delete", "high"],
  ["apps.uninstall", "slack.app.uninstall", "high"],
];

/** Web API methods by lower-cased name (Slack's method names are matched case-insensitively). */
export const slackMethods: ReadonlyMap<string, SlackMethod> = new Map(
  entries.map(([name, action, risk, read]) => [
    name.toLowerCase(),
    { name, action, risk, read: read === true },
  ]),
);

const adminPart = /^[a-z][a-z0-9_]{0,63}$/;
const readVerb = /^(list|info|get|lookup|search)/;

/**
 * `admin.*` methods (Enterprise Grid administration) are all high risk:
 * `admin.conversations.setTeams` → `slack.admin.conversations.set_teams`,
 * read when the last word lists, gets or looks up. Undefined for a name that is
 * not a well-formed admin method (it then stays an unknown method).
 */
export function adminMethod(name: string): SlackMethod | undefined {
  const parts = name.split(".");
  if (parts.length < 2 || parts.length > 5 || parts[0]?.toLowerCase() !== "admin") return undefined;
  const words = parts.slice(1).map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase());
  if (!words.every((w) => adminPart.test(w))) return undefined;
  const last = words[words.length - 1] as string;
  return { name, action: `slack.admin.${words.join(".")}`, risk: "high", read: readVerb.test(last) };
}
