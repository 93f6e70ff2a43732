import { type Role, roles } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "./routers/index.ts";
import { callPath, outcomeOf } from "./testing/call-procedure.ts";
import {
  createObjectWorld,
  exemptProcedures,
  type ObjectWorld,
  procedureCases,
} from "./testing/procedure-cases.ts";
import { seedOrg, seedUserSession } from "./testing/seed.ts";
import { callerFor, createTestDeps, type TestDeps } from "./testing/test-deps.ts";
import { roleRank } from "./trpc/init.ts";

// The matrix of issue 5: everyone views; members and up decide approvals; admins and up
// edit gateways, connectors, vault, policies and org settings; owners toggle the kill
// switch and manage members. The minimum role per procedure lives in procedureCases.
const expectedMinimum: Record<string, Role> = {
  "orgs.update": "admin",
  "invites.create": "admin",
  // Pending invites (emails, who invited them) are part of managing people, not viewing.
  "invites.list": "admin",
  "invites.revoke": "admin",
  "members.setRole": "owner",
  "members.remove": "owner",
  "gateways.create": "admin",
  "gateways.update": "admin",
  "gateways.rotateToken": "admin",
  "gateways.revoke": "admin",
  "connectors.add": "admin",
  "connectors.update": "admin",
  "connectors.remove": "admin",
  "accessRules.set": "admin",
  "rateLimits.create": "admin",
  "rateLimits.remove": "admin",
  "vault.setSecret": "admin",
  "vault.deleteSecret": "admin",
  "policies.create": "admin",
  "policies.update": "admin",
  "policies.setEnabled": "admin",
  "policies.setPriority": "admin",
  "policies.remove": "admin",
  "config.import": "admin",
  "audit.markReviewed": "member",
  "approvals.decide": "member",
  "slack.saveSettings": "admin",
  "slack.sendTest": "admin",
  "killSwitch.activate": "owner",
  "killSwitch.deactivate": "owner",
};

describe("RBAC matrix: each procedure × owner/admin/member/viewer is allowed or FORBIDDEN", () => {
  let t: TestDeps;
  let orgId: string;
  let world: ObjectWorld;
  const users = new Map<Role, { userId: string; session: string }>();

  beforeAll(async () => {
    t = await createTestDeps();
    orgId = await seedOrg(t.deps, "Matrix");
    for (const role of roles) users.set(role, await seedUserSession(t.deps, [{ orgId, role }]));
    const owner = users.get("owner");
    if (owner === undefined) throw new Error("no owner");
    world = await createObjectWorld(t.deps, orgId, owner.userId);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("the matrix covers every organization procedure of the router, with the issue's minimum roles", () => {
    const paths = Object.keys(appRouter._def.procedures).filter((p) => !(p in exemptProcedures));
    expect(paths.filter((p) => !(p in procedureCases))).toEqual([]);
    for (const [path, c] of Object.entries(procedureCases)) {
      // Everything not listed as an edit is a view: open to every role.
      expect(c.minRole, path).toBe(expectedMinimum[path] ?? "viewer");
    }
  });

  for (const [path, c] of Object.entries(procedureCases)) {
    for (const role of roles) {
      const allowed = roleRank[role] >= roleRank[c.minRole];
      it(`${path} as ${role}: ${allowed ? "allowed" : "FORBIDDEN"}`, async () => {
        const user = users.get(role);
        if (user === undefined) throw new Error(`no ${role}`);
        const { caller } = await callerFor(t.deps, { session: user.session });
        const input = await c.input({ orgId, apiTokenOwnerId: user.userId, world });
        const outcome = await outcomeOf(() => callPath(caller, path, input));
        if (!allowed) {
          expect(outcome).toMatchObject({ ok: false, code: "FORBIDDEN" });
          return;
        }
        expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
        // Validated writes answer {ok: false, errors} rather than throw: those must pass too.
        if (
          outcome.ok &&
          typeof outcome.value === "object" &&
          outcome.value !== null &&
          "ok" in outcome.value
        ) {
          expect(outcome.value, JSON.stringify(outcome.value)).toMatchObject({ ok: true });
        }
      });
    }
  }
});
