import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Action } from "@tameflare/contracts";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type Tenant, type TestApi } from "../../testing/api-harness.ts";
import { uniqueSuffix } from "../../testing/seed.ts";
import { waitFor } from "../../testing/wait-for.ts";
import { slackSignature } from "./slack-signature.ts";

interface SlackRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A fake Slack on loopback: records every request; answers per path (default `{ ok: true }`). */
async function startFakeSlack() {
  const requests: SlackRequest[] = [];
  const answers: Array<{ path: string; status: number; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({
        path,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || "{}"),
      });
      const index = answers.findIndex((a) => a.path === path);
      const answer = index === -1 ? undefined : answers.splice(index, 1)[0];
      const body =
        answer?.body ??
        (path.startsWith("/hooks/") ? "ok" : JSON.stringify({ ok: true, ts: "1700000000.0001" }));
      res.writeHead(answer?.status ?? 200, {
        "content-type": path.startsWith("/hooks/") ? "text/plain" : "application/json",
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The next request to `path` gets this answer (once). */
    answerOnce(path: string, status: number, body: string) {
      answers.push({ path, status, body });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const merge: Action = {
  type: "github.pr.merge",
  connector: "github",
  resource: "acme/app/pulls/7",
  parameters: { base: "main" },
  risk: "high",
  read: false,
};

type Json = Record<string, unknown>;

describe("Slack: settings, notifications, signed links and interactive buttons", () => {
  let fake: Awaited<ReturnType<typeof startFakeSlack>>;
  let api: TestApi;
  let acme: Tenant;
  let offsetMs = 0;

  beforeAll(async () => {
    fake = await startFakeSlack();
    api = await startTestApi("in-process", {
      env: { SLACK_API_BASE_URL: `${fake.url}/api`, PUBLIC_URL: "https://tameflare.example.com" },
      clock: () => new Date(Date.now() + offsetMs),
    });
    acme = await api.seedTenant("Acme");
    await (await acme.as("admin")).slack.saveSettings({
      orgId: acme.orgId,
      channel: "#approvals",
      botToken: "xoxb-acme-secret-token",
    });
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  async function holdRequest(tenant: Tenant, extra: Json = {}): Promise<string> {
    const answer = await api.gatewayCall(tenant.gatewayToken, "approvals.create", {
      request_id: `req_${uniqueSuffix()}`,
      agent: "coder <!channel>",
      action: merge,
      reason: "merging into main",
      ...extra,
    });
    const data = answer.body.result?.data as { approval_id: string };
    return data.approval_id;
  }

  async function messageFor(approvalId: string): Promise<SlackRequest> {
    return waitFor(`the Slack message for ${approvalId}`, () =>
      fake.requests.find((r) => JSON.stringify(r.body).includes(approvalId)),
    );
  }

  function linksOf(message: SlackRequest): { approve: string; deny: string } {
    const text = JSON.stringify(message.body);
    const found = [
      ...text.matchAll(/https:\/\/tameflare\.example\.com\/slack\/approvals\/([A-Za-z0-9_.-]+)/g),
    ].map((m) => m[0]);
    const [approve, deny] = [...new Set(found)];
    if (approve === undefined || deny === undefined) throw new Error(`no links in ${text}`);
    return { approve, deny };
  }

  const apiPath = (link: string) => `${api.url}${new URL(link).pathname}`;
  const getLink = async (link: string, cookie?: string) => {
    const r = await fetch(apiPath(link), cookie ? { headers: { cookie } } : {});
    return { status: r.status, body: (await r.json()) as Json };
  };
  const confirmLink = async (link: string, cookie?: string) => {
    const r = await fetch(`${apiPath(link)}/confirm`, {
      method: "POST",
      ...(cookie ? { headers: { cookie } } : {}),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };

  it("settings: admins save them sealed; everyone sees which are set, never the values", async () => {
    const view = await (await acme.as("viewer")).slack.getSettings({ orgId: acme.orgId });
    expect(view).toMatchObject({
      configured: true,
      mode: "bot",
      channel: "#approvals",
      botTokenSet: true,
      signingSecretSet: false,
      webhookUrlSet: false,
      interactive: false,
    });
    expect(JSON.stringify(view)).not.toContain("xoxb-acme-secret-token");
    const row = await api.deps.db.prisma.slackSettings.findUnique({ where: { orgId: acme.orgId } });
    expect(Buffer.from(row?.botTokenCiphertext ?? []).toString("latin1")).not.toContain("xoxb-acme");
    await expect(
      (await acme.as("member")).slack.saveSettings({ orgId: acme.orgId, channel: "#other" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // A webhook URL may not point the server at arbitrary plain-http hosts.
    const other = await api.seedTenant("Hooked");
    await expect(
      (await other.as("admin")).slack.saveSettings({
        orgId: other.orgId,
        webhookUrl: "http://169.254.169.254/latest",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      (await other.as("admin")).slack.saveSettings({ orgId: other.orgId, botToken: "xoxb-without-channel" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("needs a channel") });
  });

  it("sendTest posts with the bot token and reports Slack's answer as a value", async () => {
    const admin = await acme.as("admin");
    expect(await admin.slack.sendTest({ orgId: acme.orgId })).toEqual({
      delivered: true,
      via: "bot",
      error: null,
    });
    const posted = fake.requests.at(-1);
    expect(posted?.path).toBe("/api/chat.postMessage");
    expect(posted?.headers.authorization).toBe("Bearer xoxb-acme-secret-token");
    expect(posted?.body).toMatchObject({ channel: "#approvals" });
    fake.answerOnce("/api/chat.postMessage", 200, JSON.stringify({ ok: false, error: "channel_not_found" }));
    expect(await admin.slack.sendTest({ orgId: acme.orgId })).toEqual({
      delivered: false,
      via: "bot",
      error: "slack: channel_not_found",
    });
    const none = await api.seedTenant("Quiet");
    expect(await (await none.as("owner")).slack.sendTest({ orgId: none.orgId })).toMatchObject({
      delivered: false,
      via: null,
    });
  });

  it("a held request reaches Slack with signed links; GET only describes, POST applies once; replays get 409", async () => {
    const approvalId = await holdRequest(acme);
    const message = await messageFor(approvalId);
    expect(message.path).toBe("/api/chat.postMessage");
    const text = JSON.stringify(message.body);
    // Agent-controlled text is escaped: no @channel ping.
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
    const links = linksOf(message);

    const shown = await getLink(links.approve);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      proposed_decision: "approve",
      approval: { id: approvalId, status: "pending" },
    });
    // Opening it again (a link previewer) changes nothing.
    expect((await getLink(links.approve)).body).toMatchObject({ approval: { status: "pending" } });

    const confirmed = await confirmLink(links.approve);
    expect(confirmed).toMatchObject({
      status: 200,
      body: {
        outcome: "decided",
        approval: { status: "approved", decided_by: "slack-link", decided_via: "slack_link" },
      },
    });
    const replay = await confirmLink(links.approve);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({
      error: { code: "link_used", message: "this link was already used" },
    });
    expect((await getLink(links.approve)).status).toBe(409);
    // The deny link of the same message cannot overturn the decision.
    expect(await confirmLink(links.deny)).toMatchObject({
      status: 200,
      body: { outcome: "already_decided", approval: { status: "approved" } },
    });
    const gatewayView = await api.gatewayCall(
      acme.gatewayToken,
      "approvals.wait",
      { approval_id: approvalId, timeout_ms: 0 },
      "query",
    );
    expect(gatewayView.body.result?.data).toMatchObject({ status: "approved", decided_by: "slack-link" });
  });

  it("a forged or altered link is refused with 400 and changes nothing", async () => {
    const approvalId = await holdRequest(acme);
    const { approve } = linksOf(await messageFor(approvalId));
    const token = new URL(approve).pathname.split("/").at(-1) ?? "";
    const [header, payload, signature] = token.split(".");
    // The deny decision swapped into the payload, the approve signature kept.
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Json;
    const swapped = Buffer.from(JSON.stringify({ ...claims, d: "deny" })).toString("base64url");
    const tampered = `https://tameflare.example.com/slack/approvals/${header}.${swapped}.${signature}`;
    expect(await confirmLink(tampered)).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_link" } },
    });
    // Signed with a key that is not the server's.
    const alien = await new SignJWT({ org: acme.orgId, apv: approvalId, d: "approve" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("tameflare")
      .setAudience("tameflare:slack-approval-link")
      .setJti("n".repeat(24))
      .setExpirationTime("1h")
      .sign(new Uint8Array(32).fill(7));
    expect((await confirmLink(`https://x/slack/approvals/${alien}`)).status).toBe(400);
    expect((await getLink("https://x/slack/approvals/not.a.jwt")).status).toBe(400);
    expect((await api.deps.repos.approvals.findById(acme.orgId, approvalId))?.status).toBe("pending");
  });

  it("a link past its approval's expiry answers 410", async () => {
    const approvalId = await holdRequest(acme, { timeout_seconds: 60 });
    const { approve } = linksOf(await messageFor(approvalId));
    offsetMs = 120_000;
    try {
      expect(await getLink(approve)).toMatchObject({
        status: 410,
        body: { error: { code: "link_expired" } },
      });
      expect((await confirmLink(approve)).status).toBe(410);
    } finally {
      offsetMs = 0;
    }
  });

  it("confirming while signed in records the member; a viewer's session records the link", async () => {
    const first = await holdRequest(acme);
    const byMember = await confirmLink(
      linksOf(await messageFor(first)).deny,
      `tf_session=${acme.users.member.session}`,
    );
    expect(byMember.body).toMatchObject({
      approval: { status: "denied", decided_by: acme.users.member.userId },
    });
    const second = await holdRequest(acme);
    const byViewer = await confirmLink(
      linksOf(await messageFor(second)).approve,
      `tf_session=${acme.users.viewer.session}`,
    );
    expect(byViewer.body).toMatchObject({ approval: { status: "approved", decided_by: "slack-link" } });
  });

  it("an incoming webhook receives the notification instead of chat.postMessage", async () => {
    const hooked = await api.seedTenant("Webhooked");
    await (await hooked.as("owner")).slack.saveSettings({
      orgId: hooked.orgId,
      webhookUrl: `${fake.url}/hooks/T000/B000/secretpart`,
    });
    const approvalId = await holdRequest(hooked);
    const message = await messageFor(approvalId);
    expect(message.path).toBe("/hooks/T000/B000/secretpart");
    expect(message.headers.authorization).toBeUndefined();
    expect(linksOf(message).approve).toContain("/slack/approvals/");
    const view = await (await hooked.as("viewer")).slack.getSettings({ orgId: hooked.orgId });
    expect(view).toMatchObject({ mode: "webhook", webhookUrlSet: true });
    expect(JSON.stringify(view)).not.toContain("secretpart");
  });

  it("a Slack outage is retried until the notification goes through", async () => {
    fake.answerOnce("/api/chat.postMessage", 503, "upstream unavailable");
    const approvalId = await holdRequest(acme);
    const attempts = await waitFor("a second attempt", () => {
      const mine = fake.requests.filter((r) => JSON.stringify(r.body).includes(approvalId));
      return mine.length >= 2 ? mine : null;
    });
    expect(attempts.every((r) => r.path === "/api/chat.postMessage")).toBe(true);
    expect(api.deps.metrics?.slackNotifications.get("failed")).toBeGreaterThanOrEqual(1);
    await waitFor("the sent count", () => (api.deps.metrics?.slackNotifications.get("sent") ?? 0) >= 1);
  });

  describe("interactive buttons", () => {
    const signingSecret = "0123456789abcdef0123456789abcdef";
    let tenant: Tenant;

    beforeAll(async () => {
      tenant = await api.seedTenant("Interactive");
      await (await tenant.as("admin")).slack.saveSettings({
        orgId: tenant.orgId,
        channel: "C0123456789",
        botToken: "xoxb-interactive",
        signingSecret,
      });
    });

    function buttonPress(value: string, actionId: string, user = "U123ABC") {
      const payload = {
        type: "block_actions",
        user: { id: user },
        actions: [{ action_id: actionId, value }],
      };
      return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    }

    async function post(body: string, headers: Record<string, string>) {
      const r = await fetch(`${api.url}/slack/interactive`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
      return { status: r.status, body: (await r.json()) as Json };
    }

    function signed(body: string, atSeconds = Math.floor(Date.now() / 1000), secret = signingSecret) {
      const ts = String(atSeconds);
      return { "x-slack-request-timestamp": ts, "x-slack-signature": slackSignature(secret, ts, body) };
    }

    it("the message carries verified buttons; a genuine press decides, a replay is refused", async () => {
      const approvalId = await holdRequest(tenant);
      const message = await messageFor(approvalId);
      const blocks = JSON.stringify(message.body);
      expect(blocks).toContain('"action_id":"tf_approve"');
      const value = `${tenant.orgId}/${approvalId}`;
      expect(blocks).toContain(value);

      const body = buttonPress(value, "tf_approve");
      const headers = signed(body);
      const pressed = await post(body, headers);
      expect(pressed.status).toBe(200);
      expect(String(pressed.body.text)).toContain("Approved by <@U123ABC>");
      expect(await api.deps.repos.approvals.findById(tenant.orgId, approvalId)).toMatchObject({
        status: "approved",
        decidedBy: "slack:U123ABC",
        decidedVia: "slack_interactive",
      });
      expect(await post(body, headers)).toMatchObject({ status: 409, body: { error: { code: "replayed" } } });
    });

    it("a forged signature and a stale timestamp are refused and decide nothing", async () => {
      const approvalId = await holdRequest(tenant);
      await messageFor(approvalId);
      const body = buttonPress(`${tenant.orgId}/${approvalId}`, "tf_deny");
      const forged = await post(body, signed(body, undefined, "not-the-signing-secret-at-all!!"));
      expect(forged).toMatchObject({ status: 401, body: { error: { code: "bad_signature" } } });
      const stale = await post(body, signed(body, Math.floor(Date.now() / 1000) - 6 * 60));
      expect(stale).toMatchObject({ status: 401, body: { error: { code: "stale" } } });
      expect((await post(body, {})).status).toBe(401);
      // A body changed after signing (another approval swapped in) fails the signature.
      const other = await holdRequest(tenant);
      const headers = signed(body);
      const swapped = await post(buttonPress(`${tenant.orgId}/${other}`, "tf_deny"), headers);
      expect(swapped.status).toBe(401);
      expect((await api.deps.repos.approvals.findById(tenant.orgId, approvalId))?.status).toBe("pending");
      expect((await api.deps.repos.approvals.findById(tenant.orgId, other))?.status).toBe("pending");
      // An organization without a signing secret accepts no button presses at all.
      const acmeApproval = await holdRequest(acme);
      const acmeBody = buttonPress(`${acme.orgId}/${acmeApproval}`, "tf_approve");
      expect((await post(acmeBody, signed(acmeBody))).status).toBe(401);
    });
  });
});
