import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../../../../../tests/support/loopback-server.ts";
import { postSlackMessage } from "./slack-client.ts";

/** How the fake Slack answers the next call: Slack's API answers gzip-encoded JSON. */
type Answer = "complete" | "stalled" | "cut";

describe("postSlackMessage against a Slack that answers gzip", () => {
  let server: LoopbackServer;
  let url: string;
  let answer: Answer = "complete";
  const body = gzipSync(JSON.stringify({ ok: true, channel: "C1", ts: "1733400000.000100" }));

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      if (answer === "complete") {
        res.end(body);
        return;
      }
      res.write(body.subarray(0, 10));
      if (answer === "cut") res.socket?.destroy();
      // "stalled": the rest never comes; the client's timeout ends the call.
    });
    url = `${server.url}/api`;
  });

  afterAll(() => server.close());

  const bot = { kind: "bot", token: "xoxb-test-token", channel: "#approvals" } as const;
  const message = { text: "held: stripe.refund.create", blocks: [] };

  it("reads a compressed answer", async () => {
    answer = "complete";
    await expect(postSlackMessage(url, bot, message)).resolves.toEqual({
      ok: true,
      value: { ts: "1733400000.000100" },
    });
  });

  it("an answer that stalls mid-body times out as a retryable failure, never a thrown error", async () => {
    answer = "stalled";
    await expect(postSlackMessage(url, bot, message, { timeoutMs: 300 })).resolves.toEqual({
      ok: false,
      code: "retryable",
      message: "slack: timed out",
    });
  });

  it("an answer cut off mid-body is a retryable failure", async () => {
    answer = "cut";
    await expect(postSlackMessage(url, bot, message)).resolves.toEqual({
      ok: false,
      code: "retryable",
      message: "slack: the connection failed before a complete answer",
    });
  });
});
