import { createHmac, timingSafeEqual } from "node:crypto";
import type { Result } from "@tameflare/contracts";

/** Slack's window for `X-Slack-Request-Timestamp` (replays older than this are refused outright). */
export const slackSignatureWindowSeconds = 5 * 60;

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest("hex")}`;
}

export type SlackSignatureError = "missing" | "stale" | "bad_signature";

/**
 * Verifies a request from Slack (signing secret, v0): the timestamp must be within 5 minutes
 * of `now` and the signature must match the raw body, compared in constant time. Replays
 * inside the window are the caller's to refuse (it records each signature once).
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  now: Date;
}): Result<{ timestamp: number }, SlackSignatureError> {
  const { timestamp, signature } = input;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, code: "missing", message: "the request carries no Slack signature" };
  }
  const seconds = Number(timestamp);
  if (Math.abs(input.now.getTime() / 1000 - seconds) > slackSignatureWindowSeconds) {
    return {
      ok: false,
      code: "stale",
      message: "the Slack request timestamp is outside the 5-minute window",
    };
  }
  const expected = Buffer.from(slackSignature(input.signingSecret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: "bad_signature", message: "the Slack signature does not match" };
  }
  return { ok: true, value: { timestamp: seconds } };
}
