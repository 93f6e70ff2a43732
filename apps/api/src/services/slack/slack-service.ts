import type { Approval, EncryptedValue, SlackSettings } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { OrgActor } from "../shared/actor.ts";
import { createVaultService } from "../vault/vault-service.ts";
import { postSlackMessage, type SlackMessage, type SlackTarget, slackEscape } from "./slack-client.ts";
import { createLinkSigner, type LinkDecision, linkSigningKey } from "./slack-links.ts";

/** The vault purposes (AAD) of the sealed Slack settings, per field. */
export const slackSealedPurposes = {
  botToken: "slack.bot_token",
  signingSecret: "slack.signing_secret",
  webhookUrl: "slack.webhook_url",
} as const;

/** Action ids of the interactive buttons (`POST /slack/interactive`). */
export const slackActionIds = { approve: "tf_approve", deny: "tf_deny" } as const;

/** What the dashboard may see of the Slack settings: which secrets are set, never their values. */
export interface SlackSettingsView {
  configured: boolean;
  mode: "bot" | "webhook" | null;
  channel: string | null;
  teamId: string | null;
  botTokenSet: boolean;
  signingSecretSet: boolean;
  webhookUrlSet: boolean;
  /** Interactive buttons are offered when a signing secret is set (requests are verified with it). */
  interactive: boolean;
  updatedAt: string | null;
}

export interface SaveSlackSettingsInput {
  channel?: string | null | undefined;
  teamId?: string | null | undefined;
  botToken?: string | null | undefined;
  signingSecret?: string | null | undefined;
  webhookUrl?: string | null | undefined;
}

/** What `slack.sendTest` reports: delivered, or why not (Slack's error code, or no configuration). */
export interface SendTestResult {
  delivered: boolean;
  via: "bot" | "webhook" | null;
  error: string | null;
}

export type NotifyResult = { status: "sent" } | { status: "skipped"; reason: string };

function view(settings: SlackSettings | null): SlackSettingsView {
  const mode = settings === null ? null : modeOf(settings);
  return {
    configured: mode !== null,
    mode,
    channel: settings?.channel ?? null,
    teamId: settings?.teamId ?? null,
    botTokenSet: settings?.botToken != null,
    signingSecretSet: settings?.signingSecret != null,
    webhookUrlSet: settings?.webhookUrl != null,
    interactive: settings?.signingSecret != null,
    updatedAt: settings?.updatedAt ?? null,
  };
}

function modeOf(settings: SlackSettings): "bot" | "webhook" | null {
  if (settings.botToken !== null && settings.channel !== null) return "bot";
  if (settings.webhookUrl !== null) return "webhook";
  return null;
}

/**
 * Slack for approvals: per-organization settings (secrets sealed by the vault under the
 * master key, bound to the organization), the approval notification with signed,
 * single-use approve/deny links (and interactive buttons when a signing secret is set),
 * and a test message. Secrets never leave this service: not in views, errors or logs.
 */
export function createSlackService(deps: AppDeps) {
  const vault = createVaultService(deps);

  function open(orgId: string, purpose: string, sealed: EncryptedValue | null): string | null {
    return sealed === null ? null : vault.openOrgValue(orgId, purpose, sealed);
  }

  function checkWebhookUrl(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (cause) {
      throw new AppError("bad_request", "the incoming webhook URL is not a URL", { cause });
    }
    // An incoming webhook is https (hooks.slack.com); plain http only to the configured Slack base
    // (a local fake in tests), so the setting cannot point the server at arbitrary internal URLs.
    const base = new URL(deps.env.SLACK_API_BASE_URL);
    if (parsed.protocol !== "https:" && parsed.origin !== base.origin) {
      throw new AppError("bad_request", "the incoming webhook URL must be https");
    }
    if (parsed.username !== "" || parsed.password !== "") {
      throw new AppError("bad_request", "the incoming webhook URL must not carry credentials");
    }
  }

  const service = {
    async getSettings(actor: OrgActor): Promise<SlackSettingsView> {
      return view(await deps.repos.slack.get(actor.orgId));
    },

    /** Saves what is given (undefined keeps a value, null clears it); secrets are sealed by the vault. */
    async saveSettings(actor: OrgActor, input: SaveSlackSettingsInput): Promise<SlackSettingsView> {
      if (input.webhookUrl != null) checkWebhookUrl(input.webhookUrl);
      if (input.botToken != null && !/^xox[a-z]-/.test(input.botToken)) {
        throw new AppError("bad_request", "the bot token must be a Slack token (`xoxb-…`)");
      }
      const current = await deps.repos.slack.get(actor.orgId);
      const willHave = (key: "botToken", given: string | null | undefined) =>
        given === undefined ? current?.[key] != null : given !== null;
      const channel = input.channel === undefined ? (current?.channel ?? null) : input.channel;
      if (willHave("botToken", input.botToken) && channel === null) {
        throw new AppError(
          "bad_request",
          "a bot token needs a channel to post to (`#approvals` or a channel id)",
        );
      }
      const seal = (purpose: string, value: string | null | undefined): EncryptedValue | null | undefined =>
        value === undefined
          ? undefined
          : value === null
            ? null
            : vault.sealOrgValue(actor.orgId, purpose, value);
      const saved = await deps.repos.slack.upsert({
        orgId: actor.orgId,
        ...(input.channel === undefined ? {} : { channel: input.channel }),
        ...(input.teamId === undefined ? {} : { teamId: input.teamId }),
        botToken: seal(slackSealedPurposes.botToken, input.botToken),
        signingSecret: seal(slackSealedPurposes.signingSecret, input.signingSecret),
        webhookUrl: seal(slackSealedPurposes.webhookUrl, input.webhookUrl),
        updatedByUserId: actor.userId,
      });
      deps.log.info(`slack settings of \`${actor.orgId}\` changed by \`${actor.userId}\``);
      return view(saved);
    },

    /** The organization's Slack destination with its secret opened, or null when not configured. */
    async target(orgId: string): Promise<SlackTarget | null> {
      const settings = await deps.repos.slack.get(orgId);
      if (settings === null) return null;
      const mode = modeOf(settings);
      if (mode === "bot") {
        const token = open(orgId, slackSealedPurposes.botToken, settings.botToken);
        if (token !== null && settings.channel !== null)
          return { kind: "bot", token, channel: settings.channel };
      }
      if (mode !== null) {
        const url = open(orgId, slackSealedPurposes.webhookUrl, settings.webhookUrl);
        if (url !== null) return { kind: "webhook", url };
      }
      return null;
    },

    /** The organization's signing secret for interactive requests, or null. */
    async signingSecret(orgId: string): Promise<string | null> {
      const settings = await deps.repos.slack.get(orgId);
      return settings === null
        ? null
        : open(orgId, slackSealedPurposes.signingSecret, settings.signingSecret);
    },

    /**
     * Posts a test message now (not through the queue) and reports what happened as a value: the
     * dashboard shows Slack's answer (`slack: channel_not_found`), or that nothing is configured.
     */
    async sendTest(actor: OrgActor): Promise<SendTestResult> {
      const target = await service.target(actor.orgId);
      if (target === null)
        return { delivered: false, via: null, error: "slack is not configured for this organization" };
      const result = await postSlackMessage(deps.env.SLACK_API_BASE_URL, target, {
        text: "TameFlare test message: approval notifications will arrive here.",
      });
      deps.log.info(
        `slack test message for \`${actor.orgId}\` by \`${actor.userId}\`: ${result.ok ? "delivered" : result.message}`,
      );
      return result.ok
        ? { delivered: true, via: target.kind, error: null }
        : { delivered: false, via: target.kind, error: result.message };
    },

    /** Signed approve/deny links for an approval (null when no link key exists). */
    async approvalLinks(approval: Approval): Promise<Record<LinkDecision, string> | null> {
      const key = linkSigningKey(deps.env);
      if (key === null) return null;
      const signer = createLinkSigner(key);
      const base = deps.env.PUBLIC_URL.replace(/\/+$/, "");
      const link = async (decision: LinkDecision) => {
        const token = await signer.sign({
          orgId: approval.orgId,
          approvalId: approval.id,
          decision,
          nonce: Buffer.from(deps.randomBytes(18)).toString("base64url"),
          expiresAt: new Date(approval.expiresAt),
        });
        return `${base}/slack/approvals/${token}`;
      };
      return { approve: await link("approve"), deny: await link("deny") };
    },

    /** The notification worker's job: posts the approval to the organization's Slack. */
    async notifyApproval(orgId: string, approvalId: string): Promise<NotifyResult> {
      const approval = await deps.repos.approvals.findById(orgId, approvalId);
      if (approval === null) return { status: "skipped", reason: "approval not found" };
      if (approval.status !== "pending")
        return { status: "skipped", reason: `approval is ${approval.status}` };
      const target = await service.target(orgId);
      if (target === null) return { status: "skipped", reason: "slack is not configured" };
      const [gateway, links, interactive] = await Promise.all([
        deps.repos.gateways.findById(orgId, approval.gatewayId),
        service.approvalLinks(approval),
        service.signingSecret(orgId).then((s) => s !== null),
      ]);
      const message = approvalMessage(approval, {
        gatewayName: gateway?.name ?? approval.gatewayId,
        links,
        interactive,
      });
      const result = await postSlackMessage(deps.env.SLACK_API_BASE_URL, target, message);
      if (!result.ok) {
        if (result.code === "retryable")
          throw new AppError("unavailable", result.message, { retryable: true });
        return { status: "skipped", reason: result.message };
      }
      return { status: "sent" };
    },
  };
  return service;
}

export type SlackService = ReturnType<typeof createSlackService>;

/**
 * The approval message: what is asked (action, agent, gateway, rule, reason, risk, expiry),
 * approve/deny links to the confirmation page, and (when requests can be verified) buttons.
 * Everything from agents and gateways is escaped.
 */
export function approvalMessage(
  approval: Approval,
  context: { gatewayName: string; links: Record<LinkDecision, string> | null; interactive: boolean },
): SlackMessage {
  const e = slackEscape;
  const lines = [
    `*Approval needed:* \`${e(approval.actionType)}\``,
    `*Agent:* ${e(approval.agent)}   *Gateway:* ${e(context.gatewayName)}`,
    approval.rule === null ? null : `*Rule:* ${e(approval.rule)}`,
    approval.reason === null ? null : `*Reason:* ${e(approval.reason)}`,
    approval.riskScore === null ? null : `*Risk score:* ${approval.riskScore}`,
    `*Resource:* ${e(approval.action.resource || "-")}`,
    `*Expires:* <!date^${Math.floor(Date.parse(approval.expiresAt) / 1000)}^{date_short_pretty} {time}|${approval.expiresAt}>`,
    `*Approval:* \`${approval.id}\``,
  ].filter((l): l is string => l !== null);
  const blocks: unknown[] = [{ type: "section", text: { type: "mrkdwn", text: lines.join("\n") } }];
  const elements: unknown[] = [];
  if (context.interactive) {
    const value = `${approval.orgId}/${approval.id}`;
    elements.push(
      {
        type: "button",
        action_id: slackActionIds.approve,
        style: "primary",
        value,
        text: { type: "plain_text", text: "Approve" },
      },
      {
        type: "button",
        action_id: slackActionIds.deny,
        style: "danger",
        value,
        text: { type: "plain_text", text: "Deny" },
      },
    );
  } else if (context.links !== null) {
    elements.push(
      {
        type: "button",
        style: "primary",
        url: context.links.approve,
        text: { type: "plain_text", text: "Approve…" },
      },
      {
        type: "button",
        style: "danger",
        url: context.links.deny,
        text: { type: "plain_text", text: "Deny…" },
      },
    );
  }
  if (elements.length > 0) blocks.push({ type: "actions", elements });
  if (context.interactive && context.links !== null) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `Or confirm in the browser: <${context.links.approve}|approve…> · <${context.links.deny}|deny…>`,
        },
      ],
    });
  }
  const text =
    `Approval needed: ${e(approval.actionType)} by ${e(approval.agent)} on ${e(context.gatewayName)}` +
    (context.links === null ? "" : ` (approve: ${context.links.approve} , deny: ${context.links.deny} )`);
  return { text, blocks };
}
