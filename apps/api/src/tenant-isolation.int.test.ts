import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "./routers/index.ts";
import { createApiTokensService } from "./services/api-tokens/api-tokens-service.ts";
import { callPath, outcomeOf } from "./testing/call-procedure.ts";
import {
  createObjectWorld,
  exemptProcedures,
  type ObjectWorld,
  procedureCases,
} from "./testing/procedure-cases.ts";
import { seedOrg, seedUserSession } from "./testing/seed.ts";
import { callerFor, createTestDeps, type TestDeps } from "./testing/test-deps.ts";

const routerPaths = Object.keys(appRouter._def.procedures).sort();

describe("tenant isolation: a member of organization B never reaches organization A's objects", () => {
  let t: TestDeps;
  let orgA: string;
  let orgB: string;
  let ownerA: { userId: string; session: string };
  let ownerB: { userId: string; session: string };
  let world: ObjectWorld;

  beforeAll(async () => {
    t = await createTestDeps();
    orgA = await seedOrg(t.deps, "Alpha");
    orgB = await seedOrg(t.deps, "Beta");
    ownerA = await seedUserSession(t.deps, [{ orgId: orgA, role: "owner" }]);
    // B's caller is an owner: no role check can hide a missing tenant check.
    ownerB = await seedUserSession(t.deps, [{ orgId: orgB, role: "owner" }]);
    world = await createObjectWorld(t.deps, orgA, ownerA.userId);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("every procedure of the router has an isolation case or a stated exemption", () => {
    const covered = new Set([...Object.keys(procedureCases), ...Object.keys(exemptProcedures)]);
    const missing = routerPaths.filter((p) => !covered.has(p));
    expect(missing, "add these procedures to testing/procedure-cases.ts").toEqual([]);
    const stale = [...covered].filter((p) => !routerPaths.includes(p));
    expect(stale, "these cases name procedures the router no longer has").toEqual([]);
  });

  for (const path of Object.keys(procedureCases)) {
    const c = procedureCases[path];
    if (c === undefined) continue;
    it(`${path}: NOT_FOUND with organization A's id, and A's objects stay out of reach from B`, async () => {
      const { caller } = await callerFor(t.deps, { session: ownerB.session });
      const intoA = await outcomeOf(async () =>
        callPath(caller, path, await c.input({ orgId: orgA, apiTokenOwnerId: ownerA.userId, world })),
      );
      expect(intoA).toMatchObject({ ok: false, code: "NOT_FOUND" });

      const fromB = await outcomeOf(async () =>
        callPath(caller, path, await c.input({ orgId: orgB, apiTokenOwnerId: ownerA.userId, world })),
      );
      if (c.crossTenant === "objects") {
        expect(fromB.ok, `${path} accepted organization A's objects from B: ${JSON.stringify(fromB)}`).toBe(
          false,
        );
        if (!fromB.ok) expect(["NOT_FOUND", "FORBIDDEN"]).toContain(fromB.code);
      } else {
        // In its own organization the call works and shows nothing of A.
        expect(fromB).toMatchObject({ ok: true });
        const text = JSON.stringify(fromB);
        for (const secret of [orgA, world.gatewayId, world.policyId, world.connectorId, ownerA.userId]) {
          expect(text).not.toContain(secret);
        }
      }
    });
  }

  it("a personal API token of B cannot name organization A", async () => {
    const { token } = await createApiTokensService(t.deps).create(
      { orgId: orgB, userId: ownerB.userId, role: "owner" },
      { name: "automation" },
    );
    const { caller } = await callerFor(t.deps, { authorization: `Bearer ${token}` });
    await expect(caller.gateways.list({ orgId: orgA })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.gateways.get({ orgId: orgB, gatewayId: world.gatewayId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("invites.accept: B's member cannot use an invite of A meant for someone else", async () => {
    const invite = await world.freshInvite();
    const { caller } = await callerFor(t.deps, { session: ownerB.session });
    await expect(caller.invites.accept({ token: invite.token })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await t.deps.repos.memberships.find(orgA, ownerB.userId)).toBeNull();
  });

  it("organization A's objects are unchanged after every attempt from B", async () => {
    const gateway = await t.deps.repos.gateways.findById(orgA, world.gatewayId);
    expect(gateway).toMatchObject({ revokedAt: null, enforcement: "full" });
    expect((await t.deps.repos.policies.findById(orgA, world.policyId))?.currentVersion).toBe(1);
    expect(await t.deps.repos.secrets.listMeta(orgA, world.gatewayId)).toEqual([]);
    expect(await t.deps.repos.accessRules.listForGateway(orgA, world.gatewayId)).toEqual([]);
    expect(
      (await t.deps.repos.killSwitches.history(orgA)).every((k) => k.activatedBy === ownerA.userId),
    ).toBe(true);
    expect((await t.deps.repos.memberships.listMembers(orgA)).some((m) => m.userId === ownerB.userId)).toBe(
      false,
    );
    expect((await t.deps.repos.organizations.findById(orgA))?.name).toBe("Alpha");
  });
});
