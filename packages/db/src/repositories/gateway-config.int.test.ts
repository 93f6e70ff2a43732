import { randomBytes } from "node:crypto";
import type { Organization } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedTestDatabase, testBackends } from "../../../../tests/support/index.ts";
import { createRepositories, type Repositories } from "./index.ts";

const unique = () => randomBytes(5).toString("hex");

describe.each(testBackends)("gateway configuration repositories on $name", (backend) => {
  let opened: OpenedTestDatabase;
  let repos: Repositories;
  let org: Organization;
  let otherOrg: Organization;

  beforeAll(async () => {
    opened = await backend.open();
    repos = createRepositories(opened.db.prisma);
    const a = await repos.organizations.create({ name: "A", slug: `a-${unique()}` });
    const b = await repos.organizations.create({ name: "B", slug: `b-${unique()}` });
    if (!a.ok || !b.ok) throw new Error("org setup failed");
    org = a.value;
    otherOrg = b.value;
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  async function newGateway(orgId = org.id, name = `gw-${unique()}`) {
    const created = await repos.gateways.create({
      orgId,
      name,
      tokenHash: `h-${unique()}`,
      tokenPrefix: "gwtk_Ab3d",
    });
    if (!created.ok) throw new Error(created.message);
    return created.value;
  }

  it("gateways: token stored only as a hash, found by it until revoked, isolated per org", async () => {
    const tokenHash = `h-${unique()}`;
    const created = await repos.gateways.create({
      orgId: org.id,
      name: "dev-bot",
      tokenHash,
      tokenPrefix: "gwtk_Zx9",
      enforcement: "soft",
      settings: { exclude_domains: ["telemetry.example.com"] },
    });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const gw = created.value;
    expect(gw.id).toMatch(/^gw_/);
    expect(gw).toMatchObject({ enforcement: "soft", tokenPrefix: "gwtk_Zx9", lastBundleVersion: 0 });
    expect(gw.settings).toEqual({ exclude_domains: ["telemetry.example.com"] });
    expect(JSON.stringify(gw)).not.toContain(tokenHash);
    expect(
      await repos.gateways.create({ orgId: org.id, name: "dev-bot", tokenHash: "x", tokenPrefix: "y" }),
    ).toMatchObject({
      ok: false,
      code: "conflict",
    });
    expect((await repos.gateways.findByTokenHash(tokenHash))?.id).toBe(gw.id);
    expect(await repos.gateways.findById(otherOrg.id, gw.id)).toBeNull();
    expect(await repos.gateways.list(otherOrg.id)).toEqual([]);

    const keys = await repos.gateways.setPublicKeys(org.id, gw.id, {
      signingPublicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" },
      encryptionPublicJwk: { kty: "EC", crv: "P-256", x: "1", y: "2" },
    });
    expect(keys?.encryptionPublicJwk).toEqual({ kty: "EC", crv: "P-256", x: "1", y: "2" });
    expect(
      await repos.gateways.setPublicKeys(otherOrg.id, gw.id, { signingPublicJwk: { kty: "OKP" } }),
    ).toBeNull();

    await repos.gateways.recordSeen(gw.id, { at: new Date("2030-01-01T00:00:00Z"), ackedBundleVersion: 3 });
    expect(await repos.gateways.findById(org.id, gw.id)).toMatchObject({
      lastSeenAt: "2030-01-01T00:00:00.000Z",
      ackedBundleVersion: 3,
    });
    const updated = await repos.gateways.update(org.id, gw.id, {
      enforcement: "monitor",
      description: "bot",
    });
    expect(updated).toMatchObject({ ok: true, value: { enforcement: "monitor", description: "bot" } });
    expect(await repos.gateways.update(otherOrg.id, gw.id, { enforcement: "full" })).toMatchObject({
      ok: false,
    });

    const rotated = await repos.gateways.rotateToken(org.id, gw.id, {
      tokenHash: `new-${tokenHash}`,
      tokenPrefix: "gwtk_New",
    });
    expect(rotated?.tokenPrefix).toBe("gwtk_New");
    expect(await repos.gateways.findByTokenHash(tokenHash)).toBeNull();
    expect(await repos.gateways.revoke(org.id, gw.id, new Date("2030-01-02T00:00:00Z"))).toBe(true);
    expect(await repos.gateways.findByTokenHash(`new-${tokenHash}`)).toBeNull();
    expect((await repos.gateways.list(org.id)).map((g) => g.id)).not.toContain(gw.id);
    expect((await repos.gateways.list(org.id, { includeRevoked: true })).map((g) => g.id)).toContain(gw.id);
  });

  it("connectors: names unique per gateway, never attached to another org's gateway", async () => {
    const gw = await newGateway();
    const created = await repos.connectors.create({
      orgId: org.id,
      gatewayId: gw.id,
      type: "github",
      name: "github",
      domains: ["api.github.com"],
      upstream: "https://127.0.0.1:9443",
      settings: { base_path: "/api/v3" },
    });
    expect(created).toMatchObject({
      ok: true,
      value: { domains: ["api.github.com"], settings: { base_path: "/api/v3" } },
    });
    if (!created.ok) return;
    expect(
      await repos.connectors.create({ orgId: org.id, gatewayId: gw.id, type: "github", name: "github" }),
    ).toMatchObject({
      ok: false,
      code: "conflict",
    });
    // The composite foreign key refuses a row whose org differs from its gateway's.
    expect(
      await repos.connectors.create({ orgId: otherOrg.id, gatewayId: gw.id, type: "stripe", name: "x" }),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });
    const updated = await repos.connectors.update(org.id, created.value.id, {
      domains: ["ghe.example.com"],
      upstream: null,
    });
    expect(updated).toMatchObject({ ok: true, value: { domains: ["ghe.example.com"], upstream: null } });
    expect(await repos.connectors.findById(otherOrg.id, created.value.id)).toBeNull();
    expect((await repos.connectors.listForGateway(org.id, gw.id)).map((c) => c.name)).toEqual(["github"]);
    expect(await repos.connectors.remove(otherOrg.id, created.value.id)).toBe(false);
    expect(await repos.connectors.remove(org.id, created.value.id)).toBe(true);
  });

  it("secrets: stores ciphertext only, shows last4, replaces on put, removed with the connector", async () => {
    const gw = await newGateway();
    const conn = await repos.connectors.create({
      orgId: org.id,
      gatewayId: gw.id,
      type: "stripe",
      name: "stripe",
    });
    if (!conn.ok) throw new Error(conn.message);
    const sealed = {
      ciphertext: Buffer.from([1, 2, 3, 250]).toString("base64"),
      nonce: "AAECAw==",
      keyId: "k1",
    };
    const put = await repos.secrets.put({
      orgId: org.id,
      gatewayId: gw.id,
      connectorId: conn.value.id,
      sealed,
      last4: "4242",
    });
    expect(put).toMatchObject({ ok: true, value: { last4: "4242", keyId: "k1" } });
    expect(JSON.stringify(await repos.secrets.listMeta(org.id, gw.id))).not.toContain(sealed.ciphertext);
    expect(await repos.secrets.getCiphertext(org.id, gw.id, conn.value.id)).toMatchObject({
      ciphertext: sealed.ciphertext,
      nonce: sealed.nonce,
    });
    const replaced = await repos.secrets.put({
      orgId: org.id,
      gatewayId: gw.id,
      connectorId: conn.value.id,
      sealed: { ciphertext: "BBBB", nonce: "CCCC", keyId: "k2" },
      last4: "9999",
    });
    expect(replaced).toMatchObject({ ok: true, value: { last4: "9999", keyId: "k2" } });
    expect(await repos.secrets.listCiphertexts(org.id, gw.id)).toHaveLength(1);
    expect(await repos.secrets.getCiphertext(otherOrg.id, gw.id, conn.value.id)).toBeNull();

    const otherGw = await newGateway();
    expect(
      await repos.secrets.put({
        orgId: org.id,
        gatewayId: otherGw.id,
        connectorId: conn.value.id,
        sealed,
        last4: "1",
      }),
    ).toMatchObject({ ok: false, code: "not_found" });
    await repos.connectors.remove(org.id, conn.value.id);
    expect(await repos.secrets.listMeta(org.id, gw.id)).toEqual([]);
  });

  it("secrets: rotation lists every org's secrets not yet under the new key and reseals only the value it read", async () => {
    const keyId = `old-${unique()}`;
    const newKeyId = `new-${unique()}`;
    const ids: string[] = [];
    for (const owner of [org, otherOrg]) {
      const gw = await newGateway(owner.id);
      const conn = await repos.connectors.create({
        orgId: owner.id,
        gatewayId: gw.id,
        type: "openai",
        name: "openai",
      });
      if (!conn.ok) throw new Error(conn.message);
      const put = await repos.secrets.put({
        orgId: owner.id,
        gatewayId: gw.id,
        connectorId: conn.value.id,
        sealed: { ciphertext: "AAAA", nonce: Buffer.from(unique()).toString("base64"), keyId },
        last4: "abcd",
      });
      if (!put.ok) throw new Error(put.message);
      ids.push(put.value.id);
    }
    // Other tests' secrets are listed too; keep to the two made here.
    const mine = (list: { id: string }[]) => list.map((s) => s.id).filter((id) => ids.includes(id));
    const all = await repos.secrets.listNotSealedBy(newKeyId, { limit: 1000 });
    expect(mine(all)).toEqual([...ids].sort());
    const first = await repos.secrets.listNotSealedBy(newKeyId, { limit: 1 });
    const rest = await repos.secrets.listNotSealedBy(newKeyId, { afterId: first[0]?.id, limit: 1000 });
    expect([...first, ...rest].map((s) => s.id)).toEqual(all.map((s) => s.id));
    const target = all.find((s) => s.id === ids[0]);
    if (target === undefined) throw new Error("secret not listed");
    const sealed = { ciphertext: "BBBB", nonce: "CCCC", keyId: newKeyId };
    // A stale read (another nonce) never overwrites what is stored now.
    expect(await repos.secrets.reseal(target.id, { expected: { keyId, nonce: "ZZZZ" }, sealed })).toBe(false);
    expect(await repos.secrets.reseal(target.id, { expected: { keyId, nonce: target.nonce }, sealed })).toBe(
      true,
    );
    expect(await repos.secrets.reseal(target.id, { expected: { keyId, nonce: target.nonce }, sealed })).toBe(
      false,
    );
    expect(mine(await repos.secrets.listNotSealedBy(newKeyId, { limit: 1000 }))).toEqual([ids[1]]);
    expect(
      await repos.secrets.getCiphertext(target.orgId, target.gatewayId, target.connectorId),
    ).toMatchObject(sealed);
  });

  it("access rules: presets or pattern+decision, replaced as a set, scoped by org", async () => {
    const gw = await newGateway();
    expect(
      await repos.accessRules.create({
        orgId: org.id,
        gatewayId: gw.id,
        connector: "github",
        action: "github.*",
      }),
    ).toMatchObject({
      ok: false,
      code: "invalid",
    });
    const rule = await repos.accessRules.create({
      orgId: org.id,
      gatewayId: gw.id,
      connector: "github",
      preset: "read_only",
    });
    expect(rule).toMatchObject({ ok: true, value: { preset: "read_only", action: null } });
    const replaced = await repos.accessRules.replaceForGateway(org.id, gw.id, [
      { connector: "github", action: "github.pr.*", decision: "allow" },
      { connector: "github", action: "github.repo.delete", decision: "deny" },
      { connector: "stripe", action: "stripe.refund.*", decision: "require_approval" },
    ]);
    expect(replaced.ok).toBe(true);
    if (!replaced.ok) return;
    expect(replaced.value.map((r) => [r.position, r.action, r.decision])).toEqual([
      [0, "github.pr.*", "allow"],
      [1, "github.repo.delete", "deny"],
      [2, "stripe.refund.*", "require_approval"],
    ]);
    expect(
      await repos.accessRules.replaceForGateway(otherOrg.id, gw.id, [
        { connector: "x", preset: "allow_all" },
      ]),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(await repos.accessRules.listForGateway(org.id, gw.id)).toHaveLength(3);
    const first = replaced.value[0]?.id ?? "";
    expect(await repos.accessRules.remove(otherOrg.id, first)).toBe(false);
    expect(await repos.accessRules.remove(org.id, first)).toBe(true);
  });

  it("policies: every change is a new version and old versions never change", async () => {
    const created = await repos.policies.create({
      orgId: org.id,
      policy: {
        name: "protect-main",
        priority: 10,
        scope: { actions: ["github.pr.merge"] },
        rules: [
          {
            name: "never touch main",
            decision: "deny",
            when: { field: "parameters.base", op: "equals", value: "main" },
          },
        ],
      },
      authorUserId: "usr_author001",
    });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const policy = created.value;
    expect(policy).toMatchObject({ currentVersion: 1, enabled: true, priority: 10, name: "protect-main" });
    expect(policy.document.id).toBe(policy.id);

    const v2 = await repos.policies.update(org.id, policy.id, {
      policy: { ...policy.document, priority: 20, rules: [{ name: "deny all", decision: "deny" }] },
      changeNote: "stricter",
    });
    expect(v2).toMatchObject({ ok: true, value: { currentVersion: 2, priority: 20 } });
    const v3 = await repos.policies.setEnabled(org.id, policy.id, false, "usr_author002");
    expect(v3).toMatchObject({ ok: true, value: { currentVersion: 3, enabled: false } });

    const versions = await repos.policies.listVersions(org.id, policy.id);
    expect(versions.map((v) => [v.version, v.enabled, v.priority])).toEqual([
      [3, false, 20],
      [2, true, 20],
      [1, true, 10],
    ]);
    const v1 = await repos.policies.getVersion(org.id, policy.id, 1);
    expect(v1?.document.rules[0]?.name).toBe("never touch main");
    expect(v1?.authorUserId).toBe("usr_author001");
    expect(await repos.policies.getVersion(otherOrg.id, policy.id, 1)).toBeNull();

    expect(
      await repos.policies.update(org.id, policy.id, { policy: { name: "x", rules: [] } }),
    ).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(await repos.policies.update(otherOrg.id, policy.id, { policy: policy.document })).toMatchObject({
      ok: false,
      code: "not_found",
    });

    const gw = await newGateway();
    const scoped = await repos.policies.create({
      orgId: org.id,
      gatewayId: gw.id,
      policy: { name: "gw-only", priority: 50, rules: [{ name: "r", decision: "allow" }] },
    });
    expect(scoped.ok).toBe(true);
    const forGateway = await repos.policies.list(org.id, { gatewayId: gw.id });
    expect(forGateway.map((p) => p.name)).toEqual(["gw-only", "protect-main"]);
    const elsewhere = await repos.policies.list(org.id, { gatewayId: (await newGateway()).id });
    expect(elsewhere.map((p) => p.name)).toEqual(["protect-main"]);

    expect(await repos.policies.remove(org.id, policy.id, new Date())).toBe(true);
    expect((await repos.policies.list(org.id)).map((p) => p.name)).toEqual(["gw-only"]);
    expect(await repos.policies.listVersions(org.id, policy.id)).toHaveLength(3);
  });

  it("rate limits: per gateway or org-wide", async () => {
    const gw = await newGateway();
    const own = await repos.rateLimits.create({
      orgId: org.id,
      gatewayId: gw.id,
      action: "stripe.charge.create",
      perAgent: true,
      max: 10,
      windowSeconds: 60,
    });
    const wide = await repos.rateLimits.create({
      orgId: org.id,
      action: "openai.*",
      max: 100,
      windowSeconds: 60,
    });
    expect(own.ok && wide.ok).toBe(true);
    expect((await repos.rateLimits.list(org.id, { gatewayId: gw.id })).map((r) => r.action)).toEqual([
      "stripe.charge.create",
      "openai.*",
    ]);
    expect(
      await repos.rateLimits.create({
        orgId: otherOrg.id,
        gatewayId: gw.id,
        action: "x",
        max: 1,
        windowSeconds: 1,
      }),
    ).toMatchObject({
      ok: false,
    });
    if (own.ok) expect(await repos.rateLimits.remove(org.id, own.value.id)).toBe(true);
  });

  it("bundles: versions are monotonic per gateway, even under concurrent issuers, and a failed signing burns none", async () => {
    const gw = await newGateway();
    const sign = (version: number) => ({ jws: `header.payload-v${version}.sig` });
    const first = await repos.bundles.issueNext(org.id, gw.id, sign);
    expect(first).toMatchObject({ version: 1, jws: "header.payload-v1.sig" });
    await expect(
      repos.bundles.issueNext(org.id, gw.id, () => {
        throw new Error("signing key unavailable");
      }),
    ).rejects.toThrow("signing key unavailable");
    const concurrent = await Promise.all(
      [1, 2, 3, 4].map(() => repos.bundles.issueNext(org.id, gw.id, sign)),
    );
    expect(concurrent.map((b) => b?.version).sort()).toEqual([2, 3, 4, 5]);
    expect((await repos.bundles.latest(org.id, gw.id))?.version).toBe(5);
    expect((await repos.gateways.findById(org.id, gw.id))?.lastBundleVersion).toBe(5);
    expect((await repos.bundles.findVersion(org.id, gw.id, 3))?.jws).toBe("header.payload-v3.sig");
    expect((await repos.bundles.list(org.id, gw.id, { limit: 2 })).map((b) => b.version)).toEqual([5, 4]);
    expect(await repos.bundles.issueNext(otherOrg.id, gw.id, sign)).toBeNull();
    expect(await repos.bundles.latest(otherOrg.id, gw.id)).toBeNull();
    const otherGw = await newGateway();
    expect((await repos.bundles.issueNext(org.id, otherGw.id, sign))?.version).toBe(1);
  });
});
