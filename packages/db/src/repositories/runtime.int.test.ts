import { randomBytes } from "node:crypto";
import type { Action, Gateway, Organization } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedTestDatabase, testBackends } from "../../../../tests/support/index.ts";
import { createRepositories, type Repositories } from "./index.ts";

const unique = () => randomBytes(5).toString("hex");
const t = (minute: number) => new Date(Date.UTC(2030, 0, 1, 12, minute));

const refund: Action = {
  type: "stripe.refund.create",
  connector: "stripe",
  resource: "charges/ch_1",
  parameters: { amount: 60000, charge: "ch_1" },
  risk: "high",
  read: false,
};

describe.each(testBackends)("runtime repositories on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;
  let org: Organization;
  let otherOrg: Organization;
  let gw: Gateway;

  beforeAll(async () => {
    opened = await backend.open();
    repos = createRepositories(opened.db.prisma);
    const a = await repos.organizations.create({ name: "A", slug: `a-${unique()}` });
    const b = await repos.organizations.create({ name: "B", slug: `b-${unique()}` });
    if (!a.ok || !b.ok) throw new Error("org setup failed");
    org = a.value;
    otherOrg = b.value;
    const g = await repos.gateways.create({
      orgId: org.id,
      name: "gw",
      tokenHash: `h-${unique()}`,
      tokenPrefix: "gwtk_1",
    });
    if (!g.ok) throw new Error(g.message);
    gw = g.value;
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  const hold = (requestId = `req_${unique()}`, expiresAt = t(10), action = refund) =>
    repos.approvals.create({
      orgId: org.id,
      gatewayId: gw.id,
      agent: "billing-bot",
      requestId,
      action,
      rule: "big refunds need a human",
      reason: "amount > 50000",
      riskScore: 80,
      approverRoles: ["owner", "admin"],
      expiresAt,
    });

  it("approvals: a retried create returns the same approval", async () => {
    const requestId = `req_${unique()}`;
    const first = await hold(requestId);
    const second = await hold(requestId);
    expect(first.created).toBe(true);
    expect(second).toEqual({ approval: first.approval, created: false });
    expect(first.approval).toMatchObject({
      status: "pending",
      connector: "stripe",
      actionType: "stripe.refund.create",
      action: refund,
      approverRoles: ["owner", "admin"],
    });
    expect(first.approval.id).toMatch(/^apv_/);
  });

  it("approvals: deciding twice keeps the first decision and reports it", async () => {
    const { approval } = await hold();
    const approved = await repos.approvals.decide({
      orgId: org.id,
      approvalId: approval.id,
      decision: "approved",
      decidedBy: "usr_alice0001",
      decidedVia: "dashboard",
      note: "ok",
      now: t(1),
    });
    expect(approved.outcome).toBe("decided");
    expect(approved.approval).toMatchObject({ status: "approved", decidedBy: "usr_alice0001", note: "ok" });
    const again = await repos.approvals.decide({
      orgId: org.id,
      approvalId: approval.id,
      decision: "denied",
      decidedBy: "usr_bob000001",
      note: "no",
      now: t(2),
    });
    expect(again).toEqual({ outcome: "already_decided", approval: approved.approval });
  });

  it("approvals: concurrent decisions settle on exactly one", async () => {
    const { approval } = await hold();
    const results = await Promise.all(
      (["approved", "denied", "approved", "denied"] as const).map((decision, i) =>
        repos.approvals.decide({
          orgId: org.id,
          approvalId: approval.id,
          decision,
          decidedBy: `usr_${i}0000000`,
          now: t(1),
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === "decided")).toHaveLength(1);
    const final = await repos.approvals.findById(org.id, approval.id);
    const winner = results.find((r) => r.outcome === "decided");
    expect(final).toEqual(winner?.approval);
  });

  it("approvals: another org can neither see nor decide them", async () => {
    const { approval } = await hold();
    expect(await repos.approvals.findById(otherOrg.id, approval.id)).toBeNull();
    expect(
      await repos.approvals.decide({
        orgId: otherOrg.id,
        approvalId: approval.id,
        decision: "approved",
        decidedBy: "usr_x0000000",
        now: t(1),
      }),
    ).toEqual({ outcome: "not_found", approval: null });
    expect(await repos.approvals.listPending(otherOrg.id)).toEqual([]);
    expect((await repos.approvals.findById(org.id, approval.id))?.status).toBe("pending");
  });

  it("approvals: expiry is recorded once, by the job or by a late decision", async () => {
    const { approval } = await hold(undefined, t(5));
    expect((await repos.approvals.expire(approval.id, t(4))).outcome).toBe("already_decided");
    expect((await repos.approvals.findById(org.id, approval.id))?.status).toBe("pending");
    const expired = await repos.approvals.expire(approval.id, t(5));
    expect(expired).toMatchObject({
      outcome: "decided",
      approval: { status: "expired", decidedBy: "system:expiry" },
    });
    expect((await repos.approvals.expire(approval.id, t(6))).outcome).toBe("expired");

    const late = await hold(undefined, t(5));
    const decided = await repos.approvals.decide({
      orgId: org.id,
      approvalId: late.approval.id,
      decision: "approved",
      decidedBy: "usr_late0001",
      now: t(7),
    });
    expect(decided).toMatchObject({ outcome: "expired", approval: { status: "expired" } });

    const due = await hold(undefined, t(8));
    const swept = await repos.approvals.expireDue(t(9));
    expect(swept.map((a) => a.id)).toContain(due.approval.id);
    expect(swept.every((a) => a.status === "expired")).toBe(true);
    expect(await repos.approvals.expireDue(t(9))).toEqual([]);
  });

  it("approvals: pending list is the oldest-first queue; cancel settles once", async () => {
    const a = await hold(undefined, t(59));
    const pending = await repos.approvals.listPending(org.id, { gatewayId: gw.id });
    expect(pending.map((p) => p.id)).toContain(a.approval.id);
    const cancelled = await repos.approvals.cancel({
      orgId: org.id,
      approvalId: a.approval.id,
      by: "gateway",
      now: t(1),
    });
    expect(cancelled).toMatchObject({ outcome: "decided", approval: { status: "cancelled" } });
    expect((await repos.approvals.listPending(org.id)).map((p) => p.id)).not.toContain(a.approval.id);
    expect((await repos.approvals.listRecent(org.id, { limit: 1000 })).map((p) => p.id)).toContain(
      a.approval.id,
    );
  });

  it("approvals: countPending counts one org's pending approvals, or every org's", async () => {
    const before = await repos.approvals.countPending(org.id);
    const everywhere = await repos.approvals.countPending();
    const a = await hold(undefined, t(59));
    expect(await repos.approvals.countPending(org.id)).toBe(before + 1);
    expect(await repos.approvals.countPending()).toBe(everywhere + 1);
    expect(await repos.approvals.countPending(otherOrg.id)).toBe(0);
    await repos.approvals.cancel({ orgId: org.id, approvalId: a.approval.id, by: "gateway", now: t(1) });
    expect(await repos.approvals.countPending(org.id)).toBe(before);
  });

  it("kill switches: activation is idempotent, listing follows scope, deactivation once", async () => {
    const global = await repos.killSwitches.activate({
      orgId: org.id,
      scope: "global",
      reason: "incident",
      activatedBy: "usr_a0000001",
      at: t(1),
    });
    expect(global).toMatchObject({
      ok: true,
      value: { created: true, killSwitch: { scope: "global", target: null } },
    });
    const again = await repos.killSwitches.activate({ orgId: org.id, scope: "global", at: t(2) });
    expect(again.ok && !again.value.created).toBe(true);
    const stripe = await repos.killSwitches.activate({
      orgId: org.id,
      scope: "connector",
      target: "stripe",
      at: t(3),
    });
    const gwSwitch = await repos.killSwitches.activate({
      orgId: org.id,
      scope: "gateway",
      target: gw.id,
      at: t(4),
    });
    expect(stripe.ok && gwSwitch.ok).toBe(true);
    expect(await repos.killSwitches.activate({ orgId: org.id, scope: "connector", at: t(3) })).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(
      await repos.killSwitches.activate({ orgId: otherOrg.id, scope: "gateway", target: gw.id, at: t(3) }),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });

    const active = await repos.killSwitches.listActive(org.id, { gatewayId: gw.id });
    expect(active.map((k) => k.scope)).toEqual(["global", "connector", "gateway"]);
    expect(await repos.killSwitches.listActive(otherOrg.id)).toEqual([]);

    if (!global.ok) return;
    const id = global.value.killSwitch.id;
    expect(await repos.killSwitches.deactivate(otherOrg.id, id, { by: "usr_x0000000", at: t(5) })).toBeNull();
    const off = await repos.killSwitches.deactivate(org.id, id, { by: "usr_a0000001", at: t(5) });
    expect(off).toMatchObject({ deactivatedBy: "usr_a0000001", deactivatedAt: t(5).toISOString() });
    expect(await repos.killSwitches.deactivate(org.id, id, { by: "usr_a0000001", at: t(6) })).toBeNull();
    expect((await repos.killSwitches.listActive(org.id)).map((k) => k.scope)).toEqual([
      "connector",
      "gateway",
    ]);
    expect((await repos.killSwitches.history(org.id)).length).toBe(3);
  });

  it("kill switches: activating one denies the pending approvals it covers", async () => {
    const other: Action = { ...refund, type: "github.pr.merge", connector: "github" };
    const stripeHeld = await hold(undefined, t(59));
    const githubHeld = await hold(undefined, t(59), other);
    const denied = await repos.approvals.denyForKillSwitch({
      orgId: org.id,
      scope: "connector",
      target: "stripe",
      decidedBy: "usr_a0000001",
      now: t(2),
    });
    expect(denied.map((a) => a.id)).toContain(stripeHeld.approval.id);
    expect(denied.map((a) => a.id)).not.toContain(githubHeld.approval.id);
    expect(denied.every((a) => a.status === "denied" && a.decidedVia === "kill_switch")).toBe(true);
    const rest = await repos.approvals.denyForKillSwitch({
      orgId: org.id,
      scope: "global",
      target: null,
      decidedBy: "usr_a0000001",
      now: t(3),
    });
    expect(rest.map((a) => a.id)).toContain(githubHeld.approval.id);
    expect(await repos.approvals.listPending(org.id)).toEqual([]);
  });

  it("slack settings: sealed values only, partial updates keep the rest, link nonces work once", async () => {
    expect(await repos.slack.get(org.id)).toBeNull();
    const bot = { ciphertext: "AQID", nonce: "BAUG", keyId: "k1" };
    const saved = await repos.slack.upsert({
      orgId: org.id,
      channel: "#approvals",
      botToken: bot,
      updatedByUserId: "usr_a0000001",
    });
    expect(saved).toMatchObject({
      channel: "#approvals",
      botToken: bot,
      signingSecret: null,
      webhookUrl: null,
    });
    const webhook = { ciphertext: "CgsM", nonce: "DQ4P", keyId: "k2" };
    const updated = await repos.slack.upsert({ orgId: org.id, webhookUrl: webhook });
    expect(updated).toMatchObject({ channel: "#approvals", botToken: bot, webhookUrl: webhook });
    const cleared = await repos.slack.upsert({ orgId: org.id, botToken: null });
    expect(cleared.botToken).toBeNull();
    expect(await repos.slack.get(otherOrg.id)).toBeNull();

    const nonce = {
      nonce: `n-${unique()}`,
      orgId: org.id,
      approvalId: "apv_x0000000",
      action: "approve",
      expiresAt: t(30),
    };
    expect(await repos.slack.isLinkNonceUsed(nonce.nonce)).toBe(false);
    expect(await repos.slack.consumeLinkNonce(nonce)).toBe(true);
    expect(await repos.slack.isLinkNonceUsed(nonce.nonce)).toBe(true);
    expect(await repos.slack.consumeLinkNonce(nonce)).toBe(false);
    expect(await repos.slack.pruneLinkNonces(t(31))).toBeGreaterThanOrEqual(1);
    expect(await repos.slack.remove(org.id)).toBe(true);
  });
});
