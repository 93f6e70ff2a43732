import { type Action, queueNames } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueKinds, startTestApi, type Tenant, type TestApi } from "../../testing/api-harness.ts";
import { uniqueSuffix } from "../../testing/seed.ts";
import { waitFor } from "../../testing/wait-for.ts";
import { createRedisApprovalNotifier } from "./approval-notifier.ts";
import { createApprovalsService } from "./approvals-service.ts";

const refund: Action = {
  type: "stripe.refund.create",
  connector: "stripe",
  resource: "charges/ch_1",
  parameters: {
    amount: 60000,
    charge: "ch_1",
    api_key: "sk_live_leak",
    nested: { password: "hunter2", ok: true },
  },
  risk: "high",
  read: false,
};

interface GatewayApproval {
  approval_id: string;
  status: string;
  expires_at: string;
  decided_by: string | null;
  decided_via: string | null;
  note: string | null;
  created?: boolean;
}

describe.each(queueKinds)("approvals on the %s queue", (kind) => {
  let api: TestApi;
  let acme: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await startTestApi(kind);
    acme = await api.seedTenant("Acme");
    other = await api.seedTenant("Other");
  });
  afterAll(async () => {
    await api.close();
  });

  async function create(
    token: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ status: number; data: GatewayApproval; message?: string }> {
    const answer = await api.gatewayCall(token, "approvals.create", {
      request_id: `req_${uniqueSuffix()}`,
      agent: "billing-bot",
      action: refund,
      rule: "big refunds need a human",
      reason: "amount > 50000",
      risk_score: 80,
      ...extra,
    });
    return {
      status: answer.status,
      data: answer.body.result?.data as GatewayApproval,
      ...(answer.body.error ? { message: answer.body.error.message } : {}),
    };
  }

  async function wait(token: string, approvalId: string, timeoutMs?: number) {
    const answer = await api.gatewayCall(
      token,
      "approvals.wait",
      { approval_id: approvalId, ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }) },
      "query",
    );
    return { status: answer.status, data: answer.body.result?.data as GatewayApproval };
  }

  it("a gateway creates an approval (apv_…) once per request id, keeps no secrets, and schedules expiry and Slack", async () => {
    const requestId = `req_${uniqueSuffix()}`;
    const first = await create(acme.gatewayToken, { request_id: requestId, timeout_seconds: 3600 });
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ status: "pending", created: true });
    expect(first.data.approval_id).toMatch(/^apv_[A-Za-z0-9]{8,64}$/);
    const retried = await create(acme.gatewayToken, { request_id: requestId, timeout_seconds: 3600 });
    expect(retried.data).toMatchObject({ approval_id: first.data.approval_id, created: false });

    const seen = await (await acme.as("viewer")).approvals.get({
      orgId: acme.orgId,
      approvalId: first.data.approval_id,
    });
    expect(seen).toMatchObject({
      gatewayId: acme.gateway.id,
      agent: "billing-bot",
      actionType: "stripe.refund.create",
      rule: "big refunds need a human",
      approverRoles: ["owner", "admin", "member"],
    });
    expect(seen.action.parameters).toEqual({
      amount: 60000,
      charge: "ch_1",
      api_key: "[redacted]",
      nested: { password: "[redacted]", ok: true },
    });
    expect(JSON.stringify(seen)).not.toContain("sk_live_leak");
    // Its expiry is a delayed job, one per approval whatever the retries.
    expect(await api.deps.queue.depth(queueNames.approvalExpiry)).toBeGreaterThanOrEqual(1);
    const pending = await (await acme.as("viewer")).approvals.list({ orgId: acme.orgId });
    expect(pending.map((a) => a.id)).toContain(first.data.approval_id);

    const bad = await create(acme.gatewayToken, { action: { ...refund, risk: "extreme" } });
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^approval: `action\.risk`: /);
  });

  it("wait answers `pending` after its timeout, and as soon as a member decides", async () => {
    const { data } = await create(acme.gatewayToken);
    const started = Date.now();
    const idle = await wait(acme.gatewayToken, data.approval_id, 300);
    expect(idle.data.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const waiting = wait(acme.gatewayToken, data.approval_id, 20_000);
    const member = await acme.as("member");
    const decidedAt = Date.now();
    const decided = await member.approvals.decide({
      orgId: acme.orgId,
      approvalId: data.approval_id,
      decision: "approve",
      note: "ok for this customer",
    });
    expect(decided).toMatchObject({ outcome: "decided", approval: { status: "approved" } });
    const woke = await waiting;
    expect(woke.data).toMatchObject({
      status: "approved",
      decided_by: acme.users.member.userId,
      decided_via: "dashboard",
      note: "ok for this customer",
    });
    // Woken by the notifier, not by the 20 s timeout.
    expect(Date.now() - decidedAt).toBeLessThan(5000);

    // Deciding again is harmless: the first decision stands and is returned.
    const again = await (await acme.as("admin")).approvals.decide({
      orgId: acme.orgId,
      approvalId: data.approval_id,
      decision: "deny",
    });
    expect(again).toMatchObject({ outcome: "already_decided", approval: { status: "approved" } });
    expect((await wait(acme.gatewayToken, data.approval_id, 0)).data.status).toBe("approved");
  });

  it("only roles the approval names may decide; viewers never", async () => {
    const { data } = await create(acme.gatewayToken, { approver_roles: ["owner", "admin"] });
    const input = { orgId: acme.orgId, approvalId: data.approval_id, decision: "deny" as const };
    await expect((await acme.as("viewer")).approvals.decide(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect((await acme.as("member")).approvals.decide(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("may be decided by owner, admin; you are member"),
    });
    expect(await (await acme.as("admin")).approvals.decide(input)).toMatchObject({
      outcome: "decided",
      approval: { status: "denied", decidedBy: acme.users.admin.userId },
    });
    // Naming `viewer` does not let viewers decide (the role matrix wins).
    const loose = await create(acme.gatewayToken, { approver_roles: ["viewer"] });
    await expect(
      (await acme.as("viewer")).approvals.decide({
        orgId: acme.orgId,
        approvalId: loose.data.approval_id,
        decision: "approve",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Another organization's owner does not even see it.
    await expect(
      (await other.as("owner")).approvals.decide({
        orgId: other.orgId,
        approvalId: data.approval_id,
        decision: "approve",
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the expiry job expires an undecided approval at its time, and a waiting gateway learns it", async () => {
    const { data } = await create(acme.gatewayToken, { timeout_seconds: 1 });
    const expired = await waitFor(
      "the expiry job",
      async () => {
        const a = await api.deps.repos.approvals.findById(acme.orgId, data.approval_id);
        return a?.status === "expired" ? a : null;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(expired).toMatchObject({ decidedBy: "system:expiry", decidedVia: "expiry" });
    expect(Date.parse(expired.decidedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(data.expires_at));

    const second = await create(acme.gatewayToken, { timeout_seconds: 1 });
    const waited = await wait(acme.gatewayToken, second.data.approval_id, 20_000);
    expect(waited.data.status).toBe("expired");
    // A decision after expiry does not revive it.
    const late = await (await acme.as("owner")).approvals.decide({
      orgId: acme.orgId,
      approvalId: second.data.approval_id,
      decision: "approve",
    });
    expect(late).toMatchObject({ outcome: "expired", approval: { status: "expired" } });
  });

  it("the sweep expires approvals whose delayed job was lost", async () => {
    // Made directly in the database: no expiry job exists for it (as after a Redis restart).
    const { approval } = await api.deps.repos.approvals.create({
      orgId: acme.orgId,
      gatewayId: acme.gateway.id,
      agent: "coder",
      requestId: `req_${uniqueSuffix()}`,
      action: refund,
      approverRoles: ["owner"],
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await createApprovalsService(api.deps).sweepExpired()).toBeGreaterThanOrEqual(1);
    expect((await api.deps.repos.approvals.findById(acme.orgId, approval.id))?.status).toBe("expired");
  });

  it("a kill switch denies the pending approvals it covers and wakes their gateways", async () => {
    const { gateway, token } = await acme.newGateway();
    const { data } = await create(token);
    const untouched = await create(acme.gatewayToken);
    const waiting = wait(token, data.approval_id, 20_000);
    await (await acme.as("owner")).killSwitch.activate({
      orgId: acme.orgId,
      scope: "gateway",
      target: gateway.id,
      reason: "incident 42",
    });
    expect((await waiting).data).toMatchObject({
      status: "denied",
      decided_by: acme.users.owner.userId,
      decided_via: "kill_switch",
      note: "kill switch: incident 42",
    });
    expect((await wait(acme.gatewayToken, untouched.data.approval_id, 0)).data.status).toBe("pending");
    // While the switch is active, a new approval from that gateway is denied at once.
    const after = await create(token);
    expect(after.data).toMatchObject({ status: "denied", decided_via: "kill_switch" });
  });

  it("only the gateway that created an approval may wait on it; people cannot call gateway procedures", async () => {
    const { data } = await create(acme.gatewayToken);
    expect((await wait(other.gatewayToken, data.approval_id, 0)).status).toBe(404);
    const sibling = await acme.newGateway();
    expect((await wait(sibling.token, data.approval_id, 0)).status).toBe(404);
    const asPerson = await fetch(
      `${api.url}/trpc/approvals.wait?input=${encodeURIComponent(JSON.stringify({ approval_id: data.approval_id }))}`,
      { headers: { cookie: `tf_session=${acme.users.owner.session}` } },
    );
    expect(asPerson.status).toBe(401);
    expect((await create("gwtk_not-a-real-token")).status).toBe(401);
  });

  if (kind === "bullmq") {
    it("a decision taken in one API process wakes a long-poll held by another (Redis pub/sub)", async () => {
      const prefix = api.redis?.prefix.slice(0, -1) ?? "";
      const url = api.redis?.url ?? "";
      const replicaA = createRedisApprovalNotifier({ url, prefix });
      const replicaB = createRedisApprovalNotifier({ url, prefix });
      try {
        const heard: string[] = [];
        replicaB.subscribe("apv_crossprocess1", () => heard.push("apv_crossprocess1"));
        // Subscriptions are asynchronous: publish until the other replica hears it.
        await waitFor(
          "the other replica",
          async () => {
            await replicaA.publish("apv_crossprocess1");
            return heard.length > 0;
          },
          { intervalMs: 50 },
        );
        expect(heard[0]).toBe("apv_crossprocess1");
      } finally {
        await replicaA.close();
        await replicaB.close();
      }
    });
  }
});
