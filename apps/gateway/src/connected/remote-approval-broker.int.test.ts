import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../ports/approval-broker.ts";
import { GatewayApiClient } from "./api-client.ts";
import { RemoteApprovalBroker } from "./remote-approval-broker.ts";
import { type FakeControlPlane, startFakeControlPlane } from "./testing/fake-control-plane.ts";

function request(timeoutSeconds = 600): ApprovalRequest {
  return {
    requestId: `req_${Math.random().toString(36).slice(2, 12)}`,
    agent: "bot",
    gatewayId: "gw_test",
    actions: [
      {
        type: "stripe.refund.create",
        connector: "stripe",
        resource: "/v1/refunds",
        parameters: {},
        risk: "high",
        read: false,
      },
    ],
    rule: "refunds/r1",
    reason: "refunds need a human",
    timeoutSeconds,
    approverRoles: ["owner", "admin"],
  };
}

describe("connected mode: approvals through the API", () => {
  let api: FakeControlPlane;
  let broker: RemoteApprovalBroker;
  let lines: string[];

  beforeEach(async () => {
    api = await startFakeControlPlane();
    lines = [];
    broker = new RemoteApprovalBroker({
      client: new GatewayApiClient({ apiUrl: api.url, token: api.token }),
      logger: (l) => lines.push(l),
      waitMs: 1_000,
      expiryGraceMs: 200,
      createTimeoutMs: 1_000,
    });
  });
  afterEach(async () => {
    await broker.close();
    await api.close();
  });

  it("a decision in the API ends the wait: approved carries who; denied carries the note", async () => {
    const held = await broker.create(request());
    expect(held.id).toMatch(/^apv_/);
    expect(api.approvals.get(held.id)?.status).toBe("pending");
    api.decide(held.id, "approved", "usr_alice");
    expect(await held.outcome).toEqual({ status: "approved", id: held.id, by: "usr_alice" });

    const second = await broker.create(request());
    api.decide(second.id, "denied", "usr_bob", "not today");
    expect(await second.outcome).toEqual({
      status: "denied",
      id: second.id,
      by: "usr_bob",
      note: "not today",
    });
  });

  it("expiry in the API is an expired outcome (the gateway answers 408)", async () => {
    const held = await broker.create(request());
    api.decide(held.id, "expired");
    expect(await held.outcome).toEqual({ status: "expired", id: held.id });
  });

  it("with the API unreachable a held request never passes: it ends as expired after its time", async () => {
    const held = await broker.create(request(1));
    api.down = true;
    expect(await held.outcome).toEqual({ status: "expired", id: held.id });
  });

  it("a kill switch arriving in the bundle denies the held request at once (cancel from the pipeline)", async () => {
    const held = await broker.create(request());
    await held.cancel("denied", "kill-switch", "global kill switch: incident");
    expect(await held.outcome).toEqual({
      status: "denied",
      id: held.id,
      by: "kill-switch",
      note: "global kill switch: incident",
    });
  });

  it("an approval the API cannot take fails the request (500), never forwards it", async () => {
    api.down = true;
    await expect(broker.create(request())).rejects.toThrow(/approvals: the API did not take the approval/);
  });
});
