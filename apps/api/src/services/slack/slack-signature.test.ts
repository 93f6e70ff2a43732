import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackSignature } from "./slack-signature.ts";

const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const now = new Date("2030-01-01T12:00:00Z");
const ts = String(now.getTime() / 1000);
const body = Buffer.from("payload=%7B%22type%22%3A%22block_actions%22%7D");

describe("verifySlackSignature", () => {
  it("matches Slack's documented example signature", () => {
    // From Slack's "Verifying requests from Slack" guide.
    const raw =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(slackSignature(secret, "1531420618", raw)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  const cases: {
    name: string;
    input: Partial<Parameters<typeof verifySlackSignature>[0]>;
    expected: string | null;
  }[] = [
    { name: "a genuine request inside the window verifies", input: {}, expected: null },
    {
      name: "a signature checked against another secret is refused",
      input: { signingSecret: "other" },
      expected: "bad_signature",
    },
    {
      name: "a body changed after signing is refused",
      input: { rawBody: Buffer.from(`${body}x`) },
      expected: "bad_signature",
    },
    { name: "a truncated signature is refused", input: { signature: "v0=abc" }, expected: "bad_signature" },
    {
      name: "a timestamp 6 minutes old is stale",
      input: { now: new Date(now.getTime() + 6 * 60_000) },
      expected: "stale",
    },
    {
      name: "a timestamp 6 minutes ahead is stale",
      input: { now: new Date(now.getTime() - 6 * 60_000) },
      expected: "stale",
    },
    { name: "a missing signature header is refused", input: { signature: undefined }, expected: "missing" },
    { name: "a non-numeric timestamp is refused", input: { timestamp: "12abc" }, expected: "missing" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const base = {
        signingSecret: secret,
        timestamp: ts,
        signature: slackSignature(secret, ts, body),
        rawBody: body,
        now,
      };
      const result = verifySlackSignature({ ...base, ...c.input });
      if (c.expected === null) expect(result).toEqual({ ok: true, value: { timestamp: Number(ts) } });
      else expect(result).toMatchObject({ ok: false, code: c.expected });
    });
  }
});
