import type { Action, KillSwitchRecord, Role } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { canDecide, killSwitchCovers, redactAction } from "./approvals-service.ts";

describe("canDecide", () => {
  const cases: { name: string; role: Role; listed: Role[]; expected: boolean }[] = [
    {
      name: "a member decides under the default roles",
      role: "member",
      listed: ["owner", "admin", "member"],
      expected: true,
    },
    {
      name: "a member may not decide what needs owner or admin",
      role: "member",
      listed: ["owner", "admin"],
      expected: false,
    },
    {
      name: "an owner decides what names only admin (roles are ranked)",
      role: "owner",
      listed: ["admin"],
      expected: true,
    },
    {
      name: "an admin may not decide what names only owner",
      role: "admin",
      listed: ["owner"],
      expected: false,
    },
    {
      name: "a viewer never decides, even when a rule names viewer",
      role: "viewer",
      listed: ["viewer"],
      expected: false,
    },
    { name: "naming viewer admits members and up", role: "member", listed: ["viewer"], expected: true },
    {
      name: "no roles listed means the default (members and up)",
      role: "member",
      listed: [],
      expected: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(canDecide(c.role, c.listed)).toBe(c.expected));
  }
});

describe("redactAction", () => {
  it("replaces parameters named like credentials at any depth and keeps the rest (max_tokens is not a token)", () => {
    const action: Action = {
      type: "http.post",
      connector: "internal",
      resource: "/login",
      parameters: {
        user: "ada",
        password: "hunter2",
        headers: { Authorization: "Bearer x", accept: "json" },
        list: [{ api_key: "k" }, { client_secret: "s", n: 1 }],
        token_count: 3,
        max_tokens: 100,
        "x-api-key": "k2",
        access_token: "t",
      },
      risk: "medium",
      read: false,
    };
    expect(redactAction(action).parameters).toEqual({
      user: "ada",
      password: "[redacted]",
      headers: { Authorization: "[redacted]", accept: "json" },
      list: [{ api_key: "[redacted]" }, { client_secret: "[redacted]", n: 1 }],
      token_count: 3,
      max_tokens: 100,
      "x-api-key": "[redacted]",
      access_token: "[redacted]",
    });
    expect(action.parameters.password).toBe("hunter2");
  });
});

describe("killSwitchCovers", () => {
  const ks = (over: Partial<KillSwitchRecord>): KillSwitchRecord => ({
    id: "ks_1",
    orgId: "org_1",
    scope: "global",
    target: null,
    gatewayId: null,
    reason: null,
    activatedBy: null,
    activatedAt: "2030-01-01T00:00:00Z",
    deactivatedAt: null,
    deactivatedBy: null,
    ...over,
  });
  const approval = { gatewayId: "gw_a", connector: "stripe" };
  const cases: { name: string; switch: KillSwitchRecord; expected: boolean }[] = [
    { name: "a global switch covers every approval", switch: ks({}), expected: true },
    {
      name: "a lifted switch covers nothing",
      switch: ks({ deactivatedAt: "2030-01-02T00:00:00Z" }),
      expected: false,
    },
    {
      name: "a gateway switch covers its gateway",
      switch: ks({ scope: "gateway", target: "gw_a" }),
      expected: true,
    },
    {
      name: "a gateway switch does not cover another gateway",
      switch: ks({ scope: "gateway", target: "gw_b" }),
      expected: false,
    },
    {
      name: "a connector switch covers that connector everywhere",
      switch: ks({ scope: "connector", target: "stripe" }),
      expected: true,
    },
    {
      name: "a connector switch narrowed to another gateway does not cover",
      switch: ks({ scope: "connector", target: "stripe", gatewayId: "gw_b" }),
      expected: false,
    },
    {
      name: "a switch on another connector does not cover",
      switch: ks({ scope: "connector", target: "github" }),
      expected: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(killSwitchCovers(c.switch, approval)).toBe(c.expected));
  }
});
