// A small agent that summarises a build with OpenAI and posts it to Slack, written as if TameFlare
// did not exist: Node 20's built-in fetch, no SDKs, no dependencies.
//
// Under `tf run`, fetch goes through the gateway (tf run preloads a proxy dispatcher for Node 20's
// fetch and adds its CA to NODE_EXTRA_CA_CERTS), and the keys it reads are dummies: the gateway
// injects the real ones on the calls the policy allows.
//
// Prints one JSON line per step on stdout:
//   {"step": "env", "openai_key": ..., "slack_token": ...}        what the agent was given
//   {"step": <name>, "status": <int>, "body": <JSON or text>}      one per API call
//   {"step": "done"}
// Exits 0 whatever the statuses; exits 1 when an API cannot be reached at all.

import process from "node:process";

const openaiKey = process.env.OPENAI_API_KEY ?? "unset";
const slackToken = process.env.SLACK_BOT_TOKEN ?? "unset";

/** @param {Record<string, unknown>} record */
function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/**
 * Makes one call and prints its outcome; a transport failure ends the agent.
 * @param {string} step
 * @param {string} url
 * @param {RequestInit} init
 * @returns {Promise<unknown>} the parsed body
 */
async function call(step, url, init) {
  let response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    process.stderr.write(`agent: ${step}: could not reach ${url}: ${String(error)}${cause}\n`);
    process.exit(1);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (an empty body, an HTML error page): report it as text.
    body = text;
  }
  emit({ step, status: response.status, body });
  return body;
}

emit({ step: "env", openai_key: openaiKey, slack_token: slackToken });

// Inference with the approved model is allowed.
const completion = await call("chat.create", "https://api.openai.com/v1/chat/completions", {
  method: "POST",
  headers: { authorization: `Bearer ${openaiKey}`, "content-type": "application/json" },
  body: JSON.stringify({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Summarise CI results in one sentence." },
      { role: "user", content: "Nightly build of main: 1,204 tests passed, 2 failed in billing." },
    ],
  }),
});
const summary =
  /** @type {{ choices?: { message?: { content?: string } }[] }} */ (completion)?.choices?.[0]?.message
    ?.content ?? "Nightly build finished.";

const slackPost = (channel) => ({
  method: "POST",
  headers: { authorization: `Bearer ${slackToken}`, "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify({ channel, text: summary }),
});

// Posting to the team's alert channel is allowed.
await call("message.post.alerts", "https://slack.com/api/chat.postMessage", slackPost("#eng-alerts"));

// Posting to #general is denied by a policy condition on the channel: 403 JSON, Slack never sees it.
await call("message.post.general", "https://slack.com/api/chat.postMessage", slackPost("#general"));

emit({ step: "done" });
