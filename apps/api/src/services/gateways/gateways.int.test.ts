import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigChange } from "../../hooks.ts";
import { seedOrg, seedUserSession } from "../../testing/seed.ts";
import { callerFor, createTestDeps, type TestDeps } from "../../testing/test-deps.ts";
import { resolvePrincipal, sha256Hex } from "../../trpc/context.ts";

describe("gateways, connectors, access rules and rate limits", () => {
  let t: TestDeps;
  let orgId: string;
  let caller: Awaited<ReturnType<typeof callerFor>>["caller"];
  const changes: ConfigChange[] = [];

  beforeAll(async () => {
    t = await createTestDeps();
    t.deps.hooks?.onConfigChanged.push(async (change) => {
      changes.push(change);
    });
    orgId = await seedOrg(t.deps, "Gw");
    const owner = await seedUserSession(t.deps, [{ orgId, role: "owner" }]);
    caller = (await callerFor(t.deps, { session: owner.session })).caller;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const principalFor = (token: string) => resolvePrincipal(t.deps, { authorization: `Bearer ${token}` });

  it("create returns the gw_ id and the gwtk_ token once; only its hash and prefix are stored", async () => {
    const created = await caller.gateways.create({ orgId, name: "dev-bot", enforcement: "soft" });
    expect(created.gateway.id).toMatch(/^gw_[A-Za-z0-9]+$/);
    expect(created.token).toMatch(/^gwtk_[A-Za-z0-9_-]{43}$/);
    expect(created.gateway).toMatchObject({
      enforcement: "soft",
      tokenPrefix: created.token.slice(0, 12),
      lastBundleVersion: 0,
    });
    const row = await t.deps.db.prisma.gateway.findUnique({ where: { id: created.gateway.id } });
    expect(row?.tokenHash).toBe(sha256Hex(created.token));
    const shown = JSON.stringify([
      await caller.gateways.list({ orgId }),
      await caller.gateways.get({ orgId, gatewayId: created.gateway.id }),
    ]);
    expect(shown).not.toContain(created.token);
    expect(shown).not.toContain(sha256Hex(created.token));
    const { principal } = await principalFor(created.token);
    expect(principal).toMatchObject({ kind: "gateway", gateway: { id: created.gateway.id, orgId } });
    await expect(caller.gateways.create({ orgId, name: "dev-bot" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(caller.gateways.create({ orgId, name: "bad name!" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("rotating the token stops the old one at once; revoking stops every token and freezes the gateway", async () => {
    const created = await caller.gateways.create({ orgId, name: "rotating" });
    const rotated = await caller.gateways.rotateToken({ orgId, gatewayId: created.gateway.id });
    expect(rotated.token).not.toBe(created.token);
    expect((await principalFor(created.token)).principal.kind).toBe("anonymous");
    expect((await principalFor(rotated.token)).principal.kind).toBe("gateway");

    const revoked = await caller.gateways.revoke({ orgId, gatewayId: created.gateway.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect((await principalFor(rotated.token)).principal.kind).toBe("anonymous");
    await expect(
      caller.gateways.update({ orgId, gatewayId: created.gateway.id, enforcement: "monitor" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    expect((await caller.gateways.list({ orgId })).map((g) => g.id)).not.toContain(created.gateway.id);
    expect((await caller.gateways.list({ orgId, includeRevoked: true })).map((g) => g.id)).toContain(
      created.gateway.id,
    );
  });

  it("update changes name, enforcement level and settings, and tells the bundle publisher", async () => {
    const { gateway } = await caller.gateways.create({ orgId, name: "to-update" });
    changes.length = 0;
    const updated = await caller.gateways.update({
      orgId,
      gatewayId: gateway.id,
      name: "updated",
      enforcement: "monitor",
      settings: { exclude_domains: ["telemetry.example.com"] },
    });
    expect(updated).toMatchObject({
      name: "updated",
      enforcement: "monitor",
      settings: { exclude_domains: ["telemetry.example.com"] },
    });
    expect(changes).toEqual([{ orgId, gatewayId: gateway.id, kind: "gateway" }]);
  });

  it("connectors are checked like the document's: every problem is returned with its path", async () => {
    const { gateway } = await caller.gateways.create({ orgId, name: "connectors" });
    const gatewayId = gateway.id;
    const github = await caller.connectors.add({
      orgId,
      gatewayId,
      connector: { type: "github", credential: { header: "authorization", format: "token {secret}" } },
    });
    expect(github).toMatchObject({ ok: true, value: { name: "github", type: "github", domains: [] } });
    const duplicate = await caller.connectors.add({ orgId, gatewayId, connector: { type: "github" } });
    expect(duplicate).toMatchObject({
      ok: false,
      errors: [{ path: "connector.name", message: expect.stringContaining("duplicate connector name") }],
    });
    const noDomains = await caller.connectors.add({
      orgId,
      gatewayId,
      connector: { type: "generic", name: "internal" },
    });
    expect(noDomains).toEqual({
      ok: false,
      errors: [
        { path: "connector.domains", message: "connector `internal` of type `generic` needs `domains`" },
      ],
    });
    const wrongOption = await caller.connectors.add({
      orgId,
      gatewayId,
      connector: { type: "stripe", base_path: "/v1", domains: ["https://api.stripe.com"] },
    });
    expect(wrongOption.ok).toBe(false);
    if (!wrongOption.ok) {
      expect(wrongOption.errors.map((e) => e.path).sort()).toEqual([
        "connector.base_path",
        "connector.domains[0]",
      ]);
    }
    // A secret never rides along with a connector: it goes to the vault.
    await expect(
      caller.connectors.add({
        orgId,
        gatewayId,
        connector: { type: "openai", credential: { value: "sk-123" } as never },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await caller.connectors.list({ orgId, gatewayId })).map((c) => c.name)).toEqual(["github"]);
  });

  it("access rules: presets and custom patterns are replaced as a set; problems come back with rules[i] paths", async () => {
    const { gateway } = await caller.gateways.create({ orgId, name: "rules" });
    const gatewayId = gateway.id;
    await caller.connectors.add({ orgId, gatewayId, connector: { type: "github" } });
    await caller.connectors.add({ orgId, gatewayId, connector: { type: "stripe" } });
    const set = await caller.accessRules.set({
      orgId,
      gatewayId,
      rules: [
        { connector: "github", preset: "read_only" },
        { connector: "github", action: "github.pr.*", decision: "allow" },
        { connector: "github", action: "github.repo.delete", decision: "deny" },
        { connector: "stripe", action: "stripe.refund.*", decision: "require_approval" },
      ],
    });
    expect(set.ok).toBe(true);
    const listed = await caller.accessRules.list({ orgId, gatewayId });
    expect(listed.map((r) => [r.connector, r.preset ?? r.action, r.position])).toEqual([
      ["github", "read_only", 0],
      ["github", "github.pr.*", 1],
      ["github", "github.repo.delete", 2],
      ["stripe", "stripe.refund.*", 3],
    ]);
    const bad = await caller.accessRules.set({
      orgId,
      gatewayId,
      rules: [
        { connector: "github", preset: "allow_all" },
        { connector: "slack", preset: "read_only" },
        { connector: "stripe", action: "stripe.**", decision: "deny" },
      ],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => e.path)).toEqual(["rules[1].connector", "rules[2].action"]);
      expect(bad.errors[0]?.message).toContain("unknown connector `slack`");
    }
    // Nothing was applied.
    expect(await caller.accessRules.list({ orgId, gatewayId })).toEqual(listed);
  });

  it("renaming a connector carries its rules; removing it takes its rules and secret, unless a policy names it", async () => {
    const { gateway } = await caller.gateways.create({ orgId, name: "lifecycle" });
    const gatewayId = gateway.id;
    const added = await caller.connectors.add({
      orgId,
      gatewayId,
      connector: { type: "generic", name: "internal", domains: ["api.example.com"] },
    });
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
    await caller.accessRules.set({
      orgId,
      gatewayId,
      rules: [{ connector: "internal", preset: "read_only" }],
    });
    await caller.vault.setSecret({
      orgId,
      gatewayId,
      connectorId: added.value.id,
      value: "internal-api-key-0001",
    });
    const renamed = await caller.connectors.update({
      orgId,
      connectorId: added.value.id,
      connector: { type: "generic", name: "intranet", domains: ["api.example.com"] },
    });
    expect(renamed).toMatchObject({ ok: true, value: { name: "intranet" } });
    expect((await caller.accessRules.list({ orgId, gatewayId })).map((r) => r.connector)).toEqual([
      "intranet",
    ]);

    const policy = await caller.policies.create({
      orgId,
      gatewayId,
      policy: {
        name: "only-intranet",
        scope: { connectors: ["intranet"] },
        rules: [{ name: "r", decision: "deny" }],
      },
    });
    expect(policy.ok).toBe(true);
    const blocked = await caller.connectors.remove({ orgId, connectorId: added.value.id });
    expect(blocked).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining("unknown connector `intranet`") }],
    });
    if (policy.ok) await caller.policies.remove({ orgId, policyId: policy.value.id });

    expect(await caller.connectors.remove({ orgId, connectorId: added.value.id })).toEqual({
      ok: true,
      value: { removed: true },
    });
    expect(await caller.accessRules.list({ orgId, gatewayId })).toEqual([]);
    expect(await caller.vault.list({ orgId, gatewayId })).toEqual([]);
  });

  it("rate limits: per gateway or organization-wide, checked by the engine, removable", async () => {
    const { gateway } = await caller.gateways.create({ orgId, name: "limited" });
    const own = await caller.rateLimits.create({
      orgId,
      gatewayId: gateway.id,
      action: "stripe.charge.create",
      perAgent: true,
      max: 10,
      windowSeconds: 60,
    });
    const orgWide = await caller.rateLimits.create({
      orgId,
      action: "github.*",
      max: 100,
      windowSeconds: 3600,
    });
    expect(own.ok && orgWide.ok).toBe(true);
    const bad = await caller.rateLimits.create({ orgId, action: "stripe.**", max: 1, windowSeconds: 1 });
    expect(bad).toMatchObject({ ok: false, errors: [{ path: "rate_limit.action" }] });
    expect(
      (await caller.rateLimits.list({ orgId, gatewayId: gateway.id })).map((r) => r.action).sort(),
    ).toEqual(["github.*", "stripe.charge.create"]);
    if (own.ok) await caller.rateLimits.remove({ orgId, rateLimitId: own.value.id });
    expect((await caller.rateLimits.list({ orgId, gatewayId: gateway.id })).map((r) => r.action)).toEqual([
      "github.*",
    ]);
  });
});
