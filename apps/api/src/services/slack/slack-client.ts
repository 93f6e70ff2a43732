import { type Result, responseText } from "@tameflare/contracts";

/** Where a message goes: a channel through the Web API with a bot token, or an incoming webhook. */
export type SlackTarget = { kind: "bot"; token: string; channel: string } | { kind: "webhook"; url: string };

export interface SlackMessage {
  text: string;
  blocks?: unknown[];
}

/** `retryable`: try again later (network, 5xx, rate limit); `permanent`: configuration is wrong. */
export type SlackPostError = "retryable" | "permanent";

// Web API errors worth retrying (https://api.slack.com/methods/chat.postMessage#errors); every
// other error (`invalid_auth`, `channel_not_found`, `not_in_channel`, …) needs a person to fix
// the configuration first.
const transientErrors = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/**
 * Posts a message: `chat.postMessage` at `${apiBaseUrl}/chat.postMessage` with the bot token,
 * or a POST of the message to the incoming webhook URL. Errors are values; they name Slack's
 * error code and never carry the token or webhook URL.
 */
export async function postSlackMessage(
  apiBaseUrl: string,
  target: SlackTarget,
  message: SlackMessage,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<Result<{ ts: string | null }, SlackPostError>> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let response: Response;
  let text: string;
  try {
    if (target.kind === "bot") {
      response = await doFetch(`${apiBaseUrl.replace(/\/+$/, "")}/chat.postMessage`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${target.token}`,
          "content-type": "application/json; charset=utf-8",
        },
        body: JSON.stringify({
          channel: target.channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        }),
        signal,
      });
    } else {
      response = await doFetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ text: message.text, blocks: message.blocks }),
        signal,
      });
    }
    text = await responseText(response, signal);
  } catch (cause) {
    const reason =
      cause instanceof Error && cause.name === "TimeoutError"
        ? "timed out"
        : "the connection failed before a complete answer";
    return { ok: false, code: "retryable", message: `slack: ${reason}` };
  }
  if (response.status === 429 || response.status >= 500) {
    return { ok: false, code: "retryable", message: `slack: HTTP ${response.status}` };
  }
  if (target.kind === "webhook") {
    if (response.ok) return { ok: true, value: { ts: null } };
    // Webhooks answer 4xx with a short code in the body (`invalid_token`, `channel_not_found`, …).
    const code = /^[a-z_]{1,64}$/.test(text.trim()) ? text.trim() : `HTTP ${response.status}`;
    return { ok: false, code: "permanent", message: `slack webhook: ${code}` };
  }
  let body: { ok?: unknown; error?: unknown; ts?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (cause) {
    return {
      ok: false,
      code: "retryable",
      message: `slack: unreadable answer (HTTP ${response.status}): ${String(cause)}`,
    };
  }
  if (body.ok === true) return { ok: true, value: { ts: typeof body.ts === "string" ? body.ts : null } };
  const error =
    typeof body.error === "string" && /^[a-z_]{1,64}$/.test(body.error) ? body.error : "unknown_error";
  return {
    ok: false,
    code: transientErrors.has(error) ? "retryable" : "permanent",
    message: `slack: ${error}`,
  };
}

/** Escapes text for Slack mrkdwn so names from agents cannot ping `@channel` or forge links. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
