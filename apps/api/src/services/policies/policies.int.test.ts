import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KillSwitchActivated } from "../../hooks.ts";
import {
  type AuditEventSeed,
  seedAuditEvents,
  seedOrg,
  seedUserSession,
  uniqueSuffix,
} from "../../testing/seed.ts";
import { callerFor, createTestClock, createTestDeps, type TestDeps } from "../../testing/test-deps.ts";

type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

const protectMainYaml = `name: protect-main
scope:
  actions: ["github.branch.delete", "github.pr.merge"]
rules:
  - name: never touch main
    when: { any: [ { field: parameters.ref, op: equals, value: heads/main } ] }
    decision: deny
    reason: main is protected
`;

const draftYaml = `version: 1
gateway: { name: sandboxed, enforcement: full }
connectors:
  - type: github
access_rules:
  - { connector: github, preset: read_only }
  - { connector: github, action: "github.repo.delete", decision: deny }
policies:
  - name: big-refunds
    rules:
      - name: over 500
        when: { all: [ { field: parameters.amount, op: gt, value: 50000 } ] }
        decision: require_approval
`;

describe("policies: versions, validation, diff, sandbox, simulation; config export/import; kill switches", () => {
  let t: TestDeps;
  let orgId: string;
  let ownerId: string;
  let caller: Caller;
  let gatewayId: string;
  const clock = createTestClock(new Date("2030-06-01T12:00:00Z"));

  beforeAll(async () => {
    t = await createTestDeps({ clock: clock.now });
    orgId = await seedOrg(t.deps, "Policies");
    const owner = await seedUserSession(t.deps, [{ orgId, role: "owner" }]);
    ownerId = owner.userId;
    caller = (await callerFor(t.deps, { session: owner.session })).caller;
    gatewayId = (await caller.gateways.create({ orgId, name: "main-gw" })).gateway.id;
    const added = await caller.connectors.add({ orgId, gatewayId, connector: { type: "github" } });
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("every change is a new immutable version, and diff shows the YAML lines that changed", async () => {
    const created = await caller.policies.create({
      orgId,
      gatewayId,
      yaml: protectMainYaml,
      changeNote: "first",
    });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const policyId = created.value.id;
    expect(created.value).toMatchObject({
      name: "protect-main",
      currentVersion: 1,
      enabled: true,
      priority: 0,
    });
    const edited = await caller.policies.update({
      orgId,
      policyId,
      policy: {
        ...created.value.document,
        rules: [{ name: "never touch main", decision: "deny", reason: "main is sacred" }],
      },
    });
    expect(edited).toMatchObject({ ok: true, value: { currentVersion: 2 } });
    expect(await caller.policies.setEnabled({ orgId, policyId, enabled: false })).toMatchObject({
      currentVersion: 3,
      enabled: false,
    });
    expect(await caller.policies.setPriority({ orgId, policyId, priority: 10 })).toMatchObject({
      currentVersion: 4,
      priority: 10,
    });

    const versions = await caller.policies.versions({ orgId, policyId });
    expect(versions.map((v) => [v.version, v.enabled, v.priority])).toEqual([
      [4, false, 10],
      [3, false, 0],
      [2, true, 0],
      [1, true, 0],
    ]);
    expect(versions[3]?.document.rules[0]?.reason).toBe("main is protected");

    const diff = await caller.policies.diff({ orgId, policyId, from: 1, to: 2 });
    expect(diff.changed).toBe(true);
    expect(diff.lines.filter((l) => l.op === "-").map((l) => l.text.trim())).toEqual(
      expect.arrayContaining(["reason: main is protected"]),
    );
    expect(diff.lines.filter((l) => l.op === "+").map((l) => l.text.trim())).toEqual([
      "reason: main is sacred",
    ]);
    expect(diff.text).toContain("-");
    expect((await caller.policies.diff({ orgId, policyId, from: 2, to: 2 })).changed).toBe(false);
    await expect(caller.policies.diff({ orgId, policyId, from: 1, to: 9 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await caller.policies.get({ orgId, policyId })).yaml).toContain("name: protect-main");
  });

  it("invalid policies come back with the engine's errors, paths within the policy and the caller's YAML lines", async () => {
    const yaml = `name: broken
rules:
  - name: r1
    when:
      field: parameters.amount
      op: greater
      value: 5
    decision: deny
`;
    const result = await caller.policies.create({ orgId, gatewayId, yaml });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const opError = result.errors.find((e) => e.path === "rules[0].when.op");
    expect(opError).toMatchObject({ line: 6, message: expect.stringContaining("`greater`") });
    expect(opError?.message).toContain("policy `broken`: rule `r1`");

    const json = await caller.policies.create({
      orgId,
      gatewayId,
      policy: { name: "scoped", scope: { connectors: ["stripe"] }, rules: [{ name: "r", decision: "deny" }] },
    });
    expect(json).toMatchObject({
      ok: false,
      errors: [
        { path: "scope.connectors[0]", message: expect.stringContaining("unknown connector `stripe`") },
      ],
    });

    const whole = await caller.policies.create({ orgId, gatewayId, yaml: draftYaml });
    expect(whole).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining("not a whole policy document") }],
    });

    const clash = await caller.policies.create({
      orgId,
      policy: { name: "protect-main", rules: [{ name: "r", decision: "allow" }] },
    });
    expect(clash).toMatchObject({ ok: false, errors: [{ path: "name" }] });
    await expect(caller.policies.create({ orgId, gatewayId, yaml, policy: {} })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("sandbox decides an action or a raw request against a draft, with the explanation", async () => {
    const refund = await caller.policies.sandbox({
      orgId,
      draft: { yaml: draftYaml },
      action: {
        type: "github.sponsor.charge",
        connector: "github",
        resource: "r",
        parameters: { amount: 90000 },
        risk: "high",
        read: true,
      },
    });
    expect(refund).toMatchObject({
      ok: true,
      value: { outcome: "decided", decision: { decision: "require_approval" } },
    });

    const deleteRepo = await caller.policies.sandbox({
      orgId,
      draft: { yaml: draftYaml },
      request: "DELETE https://api.github.com/repos/acme/site",
    });
    expect(deleteRepo.ok).toBe(true);
    if (!deleteRepo.ok) return;
    expect(deleteRepo.value.connector).toBe("github");
    expect(deleteRepo.value.actions[0]?.type).toBe("github.repo.delete");
    expect(deleteRepo.value.decision?.decision).toBe("deny");
    expect(deleteRepo.value.explanation).toMatch(/^denied/);

    const read = await caller.policies.sandbox({
      orgId,
      draft: { yaml: draftYaml },
      request: "GET https://api.github.com/repos/acme/site",
    });
    expect(read).toMatchObject({ ok: true, value: { decision: { decision: "allow" } } });

    const stranger = await caller.policies.sandbox({
      orgId,
      draft: { yaml: draftYaml },
      request: "GET https://evil.example.net/",
    });
    expect(stranger).toMatchObject({ ok: true, value: { outcome: "no_connector", decision: null } });

    const invalid = await caller.policies.sandbox({
      orgId,
      draft: { yaml: "version: 1\npolicies:\n  - name: x\n" },
      request: "GET https://api.github.com/",
    });
    expect(invalid).toMatchObject({ ok: false, errors: [{ path: "policies[0].rules", line: 3 }] });

    // Without a draft the gateway's current configuration decides (no rule: default deny).
    const current = await caller.policies.sandbox({
      orgId,
      gatewayId,
      request: "GET https://api.github.com/user",
    });
    expect(current).toMatchObject({ ok: true, value: { decision: { decision: "deny", default: true } } });
  });

  async function recordAudit(gateway: string, events: AuditEventSeed[]) {
    await seedAuditEvents(t.deps, orgId, gateway, events);
  }

  it("simulation re-decides the last N days of audited actions under a draft and reports what would change", async () => {
    const gw = (await caller.gateways.create({ orgId, name: `sim-${uniqueSuffix()}` })).gateway.id;
    const now = clock.now().getTime();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString();
    await recordAudit(gw, [
      { action_type: "github.repo.get", method: "GET", path: "/repos/acme/site", ts: at(50) },
      { action_type: "github.repo.delete", method: "DELETE", path: "/repos/acme/site", ts: at(40) },
      { action_type: "github.repo.delete", method: "DELETE", path: "/repos/acme/app", ts: at(30) },
      { action_type: "github.pr.merge", method: "PUT", path: "/repos/acme/site/pulls/7/merge", ts: at(20) },
      { action_type: "github.repo.delete", method: "DELETE", path: "/repos/acme/old", ts: at(24 * 10) },
      {
        action_type: null,
        connector: null,
        decision: "deny",
        method: "GET",
        host: "evil.example.net",
        ts: at(5),
      },
    ]);
    const report = await caller.policies.simulate({
      orgId,
      gatewayId: gw,
      days: 3,
      draft: { yaml: draftYaml },
    });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    const r = report.value;
    expect(r).toMatchObject({ evaluated: 4, skipped: 1, changed: 3, truncated: false });
    expect(r.limitations).toContain("never bodies or parameters");
    expect(r.transitions).toEqual([
      { actionType: "github.repo.delete", connector: "github", from: "allow", to: "deny", count: 2 },
      { actionType: "github.pr.merge", connector: "github", from: "allow", to: "deny", count: 1 },
      { actionType: "github.repo.get", connector: "github", from: "allow", to: "allow", count: 1 },
    ]);
    expect(r.examples).toHaveLength(3);
    expect(r.examples[0]).toMatchObject({ actionType: "github.repo.delete", from: "allow", to: "deny" });
    expect(r.reparsed).toBe(4);
    // The 10-day-old delete is outside a 3-day window but inside a 30-day one.
    const wider = await caller.policies.simulate({
      orgId,
      gatewayId: gw,
      days: 30,
      draft: { yaml: draftYaml },
    });
    expect(wider).toMatchObject({ ok: true, value: { changed: 4 } });
  });

  it("config export has no secrets; importing it into another gateway reproduces the configuration", async () => {
    const gw = (await caller.gateways.create({ orgId, name: `src-${uniqueSuffix()}`, enforcement: "soft" }))
      .gateway.id;
    const stripe = await caller.connectors.add({ orgId, gatewayId: gw, connector: { type: "stripe" } });
    await caller.connectors.add({
      orgId,
      gatewayId: gw,
      connector: {
        type: "generic",
        name: "internal",
        domains: ["api.example.com"],
        credential: { env: "INTERNAL_KEY", header: "x-api-key", format: "{secret}" },
      },
    });
    if (!stripe.ok) throw new Error("stripe");
    const secret = "sk_live_export_never_0001";
    await caller.vault.setSecret({ orgId, gatewayId: gw, connectorId: stripe.value.id, value: secret });
    await caller.accessRules.set({
      orgId,
      gatewayId: gw,
      rules: [
        { connector: "stripe", action: "stripe.refund.*", decision: "require_approval" },
        { connector: "internal", preset: "allow_all" },
      ],
    });
    await caller.rateLimits.create({
      orgId,
      gatewayId: gw,
      action: "stripe.charge.create",
      perAgent: true,
      max: 10,
      windowSeconds: 60,
    });
    const own = await caller.policies.create({
      orgId,
      gatewayId: gw,
      policy: {
        name: `p-${uniqueSuffix()}`,
        priority: 5,
        rules: [{ name: "r", decision: "deny", when: { field: "parameters.amount", op: "gt", value: 100 } }],
      },
    });
    if (!own.ok) throw new Error(JSON.stringify(own.errors));

    const exported = await caller.config.export({ orgId, gatewayId: gw });
    expect(exported.yaml).not.toContain(secret);
    expect(JSON.stringify(exported)).not.toContain(secret);
    expect(exported.secretsOmitted).toEqual([{ connector: "stripe", env: "TF_SECRET_STRIPE" }]);
    expect(exported.yaml).toContain("env: TF_SECRET_STRIPE");
    expect(exported.yaml).toContain("env: INTERNAL_KEY");

    const target = (await caller.gateways.create({ orgId, name: `dst-${uniqueSuffix()}` })).gateway.id;
    const imported = await caller.config.import({
      orgId,
      gatewayId: target,
      source: { yaml: exported.yaml },
    });
    expect(imported.ok).toBe(true);
    const again = await caller.config.export({ orgId, gatewayId: target });
    const strip = (doc: typeof exported.document) =>
      JSON.stringify({
        ...doc,
        gateway: undefined,
        policies: doc.policies?.map((p) => ({ ...p, id: undefined })),
      });
    expect(strip(again.document)).toBe(strip(exported.document));

    // Re-importing the same document into the source changes nothing: no new policy versions.
    const same = await caller.config.import({
      orgId,
      gatewayId: gw,
      source: { document: exported.document as Record<string, unknown> },
    });
    expect(same).toMatchObject({
      ok: true,
      value: { policies: { unchanged: [own.value.name], updated: [], created: [] } },
    });
    expect((await caller.policies.get({ orgId, policyId: own.value.id })).policy.currentVersion).toBe(1);
    expect(await caller.vault.list({ orgId, gatewayId: gw })).toHaveLength(1);
  });

  it("config import validates everything first and applies nothing when any part is wrong", async () => {
    const gw = (await caller.gateways.create({ orgId, name: `imp-${uniqueSuffix()}` })).gateway.id;
    const bad = `version: 1
connectors:
  - type: stripe
    credential: { value: sk_live_inline }
access_rules:
  - { connector: stripe, preset: read_only }
kill_switches:
  - { scope: global }
`;
    const result = await caller.config.import({ orgId, gatewayId: gw, source: { yaml: bad } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => e.path)).toEqual([
        "connectors[0].credential.value",
        "kill_switches[0]",
      ]);
      expect(JSON.stringify(result.errors)).not.toContain("sk_live_inline");
    }
    const typo = await caller.config.import({
      orgId,
      gatewayId: gw,
      source: { yaml: "version: 1\naccess_rules:\n  - { connector: nope, preset: read_only }\n" },
    });
    expect(typo).toMatchObject({ ok: false, errors: [{ path: "access_rules[0].connector", line: 3 }] });
    expect(await caller.connectors.list({ orgId, gatewayId: gw })).toEqual([]);
    expect(await caller.accessRules.list({ orgId, gatewayId: gw })).toEqual([]);
  });

  it("kill switches: owner-only, recorded with who and why, idempotent, and announced to listeners once", async () => {
    const events: KillSwitchActivated[] = [];
    t.deps.hooks?.onKillSwitchActivated.push(async (e) => {
      events.push(e);
    });
    t.deps.hooks?.onKillSwitchActivated.push(async () => {
      throw new Error("listener down");
    });
    const first = await caller.killSwitch.activate({
      orgId,
      scope: "connector",
      target: "github",
      reason: "leaked token",
    });
    expect(first).toMatchObject({
      created: true,
      listenersFailed: 1,
      killSwitch: { scope: "connector", target: "github", activatedBy: ownerId, reason: "leaked token" },
    });
    const again = await caller.killSwitch.activate({
      orgId,
      scope: "connector",
      target: "github",
      reason: "again",
    });
    expect(again).toMatchObject({ created: false, killSwitch: { id: first.killSwitch.id } });
    expect(events.map((e) => e.killSwitch.id)).toEqual([first.killSwitch.id]);
    expect(t.log.lines.some((l) => l.includes("listener down"))).toBe(true);

    await expect(
      caller.killSwitch.activate({ orgId, scope: "connector", target: "nope", reason: "x" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      caller.killSwitch.activate({ orgId, scope: "global", target: "x", reason: "x" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const global = await caller.killSwitch.activate({ orgId, scope: "global", reason: "incident 42" });
    expect((await caller.killSwitch.list({ orgId })).map((k) => k.id).sort()).toEqual(
      [first.killSwitch.id, global.killSwitch.id].sort(),
    );
    const lifted = await caller.killSwitch.deactivate({ orgId, killSwitchId: global.killSwitch.id });
    expect(lifted).toMatchObject({ deactivatedBy: ownerId });
    expect(lifted.deactivatedAt).not.toBeNull();
    await expect(
      caller.killSwitch.deactivate({ orgId, killSwitchId: global.killSwitch.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const history = await caller.killSwitch.list({ orgId, history: true });
    expect(history.map((k) => k.reason)).toEqual(expect.arrayContaining(["leaked token", "incident 42"]));
  });
});
