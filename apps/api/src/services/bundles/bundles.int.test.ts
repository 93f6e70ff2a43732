import { randomBytes } from "node:crypto";
import {
  type BundlePayload,
  bundleJwsType,
  bundlePayloadSchema,
  credentialJweConnectorHeader,
  type PublicJwk,
} from "@tameflare/contracts";
import { createDatabase, createRepositories } from "@tameflare/db";
import {
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisTestPrefix, type RedisTestPrefix } from "../../../../../tests/support/index.ts";
import type { AppDeps } from "../../deps.ts";
import { createAppHooks } from "../../hooks.ts";
import { createInProcessQueue } from "../../queue/in-process-queue.ts";
import { seedOrg, seedUserSession } from "../../testing/seed.ts";
import {
  callerFor,
  createCaptureLogger,
  createTestClock,
  createTestDeps,
  type TestDeps,
} from "../../testing/test-deps.ts";
import { createGatewaysService } from "../gateways/gateways-service.ts";
import { createKillSwitchService } from "../kill-switch/kill-switch-service.ts";
import { createPoliciesService } from "../policies/policies-service.ts";
import type { OrgActor } from "../shared/actor.ts";
import { createSigningKeyService, resealSigningKeys } from "../signing/signing-key-service.ts";
import { keyringFromEnv } from "../vault/vault-keys.ts";
import { createVaultService } from "../vault/vault-service.ts";
import { createRedisBundleNotifier } from "./bundle-notifier.ts";
import { createBundlesService, registerBundleHooks } from "./bundles-service.ts";

interface GatewayKeys {
  signing: PublicJwk;
  encryption: PublicJwk;
  decryptionKey: CryptoKey | Uint8Array;
}

async function gatewayKeys(): Promise<GatewayKeys> {
  const signing = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const encryption = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
  return {
    signing: { kty: "OKP", ...(await exportJWK(signing.publicKey)) },
    encryption: { kty: "EC", ...(await exportJWK(encryption.publicKey)) },
    decryptionKey: encryption.privateKey,
  };
}

function payloadOf(jws: string): BundlePayload {
  const middle = jws.split(".")[1] ?? "";
  return bundlePayloadSchema.parse(JSON.parse(Buffer.from(middle, "base64url").toString("utf8")));
}

describe.each(["postgres", "pglite"] as const)("signed policy bundles (%s)", (database) => {
  let t: TestDeps;
  const clock = createTestClock();
  let orgId: string;
  let owner: OrgActor;

  beforeAll(async () => {
    t = await createTestDeps({ clock: clock.now, database });
    registerBundleHooks(t.deps);
    orgId = await seedOrg(t.deps, "Bundles");
    const user = await seedUserSession(t.deps, [{ orgId, role: "owner" }]);
    owner = { orgId, userId: user.userId, role: "owner" };
  });
  afterAll(async () => {
    await t.cleanup();
  });

  /** A gateway with a generic connector `internal` and a vault secret for it. */
  async function gatewayWithSecret(secret: string) {
    const gateways = createGatewaysService(t.deps);
    const { gateway, token } = await gateways.create(owner, { name: `gw-${randomBytes(4).toString("hex")}` });
    const connector = await gateways.addConnector(owner, gateway.id, {
      type: "generic",
      name: "internal",
      domains: ["api.example.com"],
    });
    if (!connector.ok) throw new Error(JSON.stringify(connector.errors));
    await createVaultService(t.deps).setSecret(owner, {
      gatewayId: gateway.id,
      connectorId: connector.value.id,
      value: secret,
    });
    return { gateway, token, connectorId: connector.value.id };
  }

  async function gatewayCaller(token: string) {
    return (await callerFor(t.deps, { authorization: `Bearer ${token}` })).caller;
  }

  async function registered(secret = `sk_live_${randomBytes(12).toString("hex")}`) {
    const made = await gatewayWithSecret(secret);
    const keys = await gatewayKeys();
    const caller = await gatewayCaller(made.token);
    const registration = await caller.gatewayAgent.register({
      gateway_id: made.gateway.id,
      signing_public_jwk: keys.signing,
      encryption_public_jwk: keys.encryption,
    });
    return { ...made, keys, caller, registration, secret };
  }

  // Replicas share a Postgres database; the embedded PGlite belongs to one process.
  it.skipIf(database === "pglite")(
    "the signing key is made once, stored sealed, and every API replica signs with the same key",
    async () => {
      const first = await createSigningKeyService(t.deps).bundleKey();
      // A second "replica": its own deps over the same database and vault key.
      const db = await createDatabase({ databaseUrl: t.database.url, poolMax: 2 });
      try {
        const other = { ...t.deps, db, repos: createRepositories(db.prisma) };
        const second = await createSigningKeyService(other).bundleKey();
        expect(second.kid).toBe(first.kid);
        expect(second.publicJwk).toEqual(first.publicJwk);
      } finally {
        await db.close();
      }
      const stored = await t.deps.repos.signingKeys.findActive("bundle");
      expect(stored?.id).toBe(first.kid);
      expect(stored?.publicJwk).not.toHaveProperty("d");
      const row = await t.deps.db.prisma.signingKey.findUnique({ where: { id: first.kid } });
      const privateJwk = await exportJWK(first.privateKey as CryptoKey);
      expect(Buffer.from(row?.privateCiphertext ?? []).toString("latin1")).not.toContain(
        String(privateJwk.d),
      );
      expect(JSON.stringify(row?.publicJwk)).not.toContain(String(privateJwk.d));
    },
  );

  it("a vault key rotation re-seals the signing key: the same key (and kid) opens under the new vault key alone", async () => {
    const before = await createSigningKeyService(t.deps).bundleKey();
    const newKey = randomBytes(32).toString("base64");
    const ring = keyringFromEnv({
      ...t.deps.env,
      TF_VAULT_KEY: newKey,
      TF_VAULT_KEY_ID: "rotated",
      TF_VAULT_KEY_OLD: t.deps.env.TF_VAULT_KEY,
    });
    if (ring === null) throw new Error("no keyring");
    expect(await resealSigningKeys(t.deps.repos, ring, t.deps.randomBytes)).toEqual({
      rotated: 1,
      failed: [],
    });
    const newOnly = { ...t.deps, env: { ...t.deps.env, TF_VAULT_KEY: newKey, TF_VAULT_KEY_ID: "rotated" } };
    const after = await createSigningKeyService(newOnly).bundleKey();
    expect(after.kid).toBe(before.kid);
    expect((await t.deps.repos.signingKeys.findActive("bundle"))?.sealedPrivateJwk.keyId).toBe("rotated");
    // Back to the test's key for the rest of the file (its own deps keep the cached key).
    const back = keyringFromEnv({ ...t.deps.env, TF_VAULT_KEY_OLD: newKey });
    if (back === null) throw new Error("no keyring");
    expect((await resealSigningKeys(t.deps.repos, back, t.deps.randomBytes)).rotated).toBe(1);
  });

  it("register records the gateway's public keys and answers with the key to pin", async () => {
    const g = await registered();
    const key = await createSigningKeyService(t.deps).bundleKey();
    expect(g.registration).toMatchObject({
      gateway_id: g.gateway.id,
      gateway_name: g.gateway.name,
      org_id: orgId,
      api_signing_key: { kid: key.kid, alg: "EdDSA", jwk: key.publicJwk },
      min_bundle_version: 0,
    });
    const stored = await t.deps.repos.gateways.findById(orgId, g.gateway.id);
    expect(stored?.encryptionPublicJwk).toEqual(g.keys.encryption);
    expect(stored?.signingPublicJwk).toEqual(g.keys.signing);
    expect(stored?.lastSeenAt).not.toBeNull();
  });

  it("register refuses private key material, wrong curves and another gateway's id", async () => {
    const made = await gatewayWithSecret("sk_live_abcdefghijklmnop");
    const caller = await gatewayCaller(made.token);
    const pair = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const keys = await gatewayKeys();
    const privateJwk = { kty: "EC", ...(await exportJWK(pair.privateKey)) };
    await expect(
      caller.gatewayAgent.register({
        gateway_id: made.gateway.id,
        signing_public_jwk: keys.signing,
        encryption_public_jwk: privateJwk,
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("private key material"),
    });
    await expect(
      caller.gatewayAgent.register({
        gateway_id: made.gateway.id,
        signing_public_jwk: keys.encryption,
        encryption_public_jwk: keys.encryption,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Ed25519") });
    await expect(
      caller.gatewayAgent.register({
        gateway_id: "gw_someoneelse1",
        signing_public_jwk: keys.signing,
        encryption_public_jwk: keys.encryption,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await t.deps.repos.gateways.findById(orgId, made.gateway.id))?.encryptionPublicJwk).toBeNull();
  });

  it("a bundle is a signed JWS whose credential is only a JWE this gateway's key opens; plaintext is nowhere else", async () => {
    const g = await registered();
    const answer = await g.caller.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 });
    if (answer.status !== "bundle") throw new Error("expected a bundle");
    const key = await createSigningKeyService(t.deps).bundleKey();
    const header = decodeProtectedHeader(answer.jws);
    expect(header).toMatchObject({ alg: "EdDSA", kid: key.kid, typ: bundleJwsType });
    await compactVerify(answer.jws, await importJWK(key.publicJwk, "EdDSA"));
    const payload = payloadOf(answer.jws);
    expect(payload).toMatchObject({ gateway_id: g.gateway.id, org_id: orgId, version: answer.version });
    expect(Date.parse(payload.expires_at) - Date.parse(payload.issued_at)).toBe(24 * 3600 * 1000);
    const connector = payload.document.connectors.find((c) => c.name === "internal");
    const jwe = connector?.credential?.encrypted;
    expect(jwe).toBeDefined();
    const opened = await compactDecrypt(jwe ?? "", g.keys.decryptionKey);
    expect(new TextDecoder().decode(opened.plaintext)).toBe(g.secret);
    expect(opened.protectedHeader).toMatchObject({
      alg: "ECDH-ES",
      enc: "A256GCM",
      [credentialJweConnectorHeader]: "internal",
    });
    // Another gateway's key does not open it.
    const stranger = await gatewayKeys();
    await expect(compactDecrypt(jwe ?? "", stranger.decryptionKey)).rejects.toThrow();

    const rows = await t.deps.db.prisma.bundle.findMany({ where: { gatewayId: g.gateway.id } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.jws).not.toContain(g.secret);
    expect(answer.jws).not.toContain(g.secret);
    expect(t.log.lines.join("\n")).not.toContain(g.secret);
  });

  it("every kind of change issues the next version at once: connector, access rule, policy, secret, kill switch, enforcement", async () => {
    const g = await registered();
    const gateways = createGatewaysService(t.deps);
    const latest = async () => (await t.deps.repos.bundles.latest(orgId, g.gateway.id))?.version ?? 0;
    const doc = async () => payloadOf((await t.deps.repos.bundles.latest(orgId, g.gateway.id))?.jws ?? "");
    let version = await latest();
    const expectNext = async (what: string) => {
      const next = await latest();
      expect(next, what).toBe(version + 1);
      version = next;
      return doc();
    };

    const added = await gateways.addConnector(owner, g.gateway.id, { type: "github" });
    expect(added.ok).toBe(true);
    expect((await expectNext("connector")).document.connectors.map((c) => c.name)).toContain("github");

    await gateways.setAccessRules(owner, g.gateway.id, [{ connector: "github", preset: "read_only" }]);
    expect((await expectNext("access rules")).document.access_rules).toEqual([
      { connector: "github", preset: "read_only" },
    ]);

    const policy = await createPoliciesService(t.deps).create(owner, {
      gatewayId: g.gateway.id,
      source: {
        policy: {
          name: "no-deletes",
          rules: [{ name: "r1", decision: "deny" }],
          scope: { actions: ["*.delete"] },
        },
      },
    });
    expect(policy.ok).toBe(true);
    expect((await expectNext("policy")).document.policies.map((p) => p.name)).toEqual(["no-deletes"]);
    if (policy.ok) await createPoliciesService(t.deps).setEnabled(owner, policy.value.id, false);
    expect((await expectNext("policy disabled")).document.policies).toEqual([]);

    await createVaultService(t.deps).setSecret(owner, {
      gatewayId: g.gateway.id,
      connectorId: g.connectorId,
      value: "sk_live_rotated_value_1234",
    });
    const rotated = (await expectNext("secret")).document.connectors.find((c) => c.name === "internal");
    const plain = await compactDecrypt(rotated?.credential?.encrypted ?? "", g.keys.decryptionKey);
    expect(new TextDecoder().decode(plain.plaintext)).toBe("sk_live_rotated_value_1234");

    const ks = await createKillSwitchService(t.deps).activate(owner, { scope: "global", reason: "incident" });
    expect((await expectNext("kill switch")).document.kill_switches).toMatchObject([
      { id: ks.killSwitch.id, scope: "global", reason: "incident" },
    ]);
    await createKillSwitchService(t.deps).deactivate(owner, ks.killSwitch.id);
    expect((await expectNext("kill switch off")).document.kill_switches).toEqual([]);

    await gateways.update(owner, g.gateway.id, { enforcement: "monitor" });
    expect((await expectNext("enforcement")).document.gateway.enforcement).toBe("monitor");
  });

  it("a configuration that does not compile is never issued: the last bundle stays and bundles.status says why", async () => {
    const g = await registered();
    const before = await t.deps.repos.bundles.latest(orgId, g.gateway.id);
    // Written around the service's validation (as a bad migration or import could).
    await t.deps.repos.accessRules.replaceForGateway(orgId, g.gateway.id, [
      {
        connector: "nonexistent",
        preset: "read_only",
        action: null,
        decision: null,
        position: 0,
        createdByUserId: null,
      },
    ]);
    const outcomes = await createBundlesService(t.deps).invalidateGatewayBundles(orgId, g.gateway.id);
    expect(outcomes).toMatchObject([{ gatewayId: g.gateway.id, status: "failed" }]);
    expect((await t.deps.repos.bundles.latest(orgId, g.gateway.id))?.version).toBe(before?.version);
    const { caller } = await callerFor(t.deps, {
      session: (await seedUserSession(t.deps, [{ orgId, role: "viewer" }])).session,
    });
    const status = await caller.bundles.status({ orgId, gatewayId: g.gateway.id });
    expect(status).toMatchObject({
      registered: true,
      latest: { version: before?.version },
      build: {
        ok: false,
        errors: [expect.objectContaining({ path: expect.stringContaining("access_rules") })],
      },
    });
    expect(t.log.lines.some((l) => l.includes(`bundle for gateway \`${g.gateway.id}\` not issued`))).toBe(
      true,
    );
    await t.deps.repos.accessRules.replaceForGateway(orgId, g.gateway.id, []);
  });

  it("pollBundle answers at once when newer, else holds the call and a change wakes it", async () => {
    const g = await registered();
    const current = await g.caller.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 });
    expect(current.status).toBe("bundle");
    const since = current.version;
    const idle = await g.caller.gatewayAgent.pollBundle({ since, timeout_ms: 50 });
    expect(idle).toEqual({ status: "not_modified", version: since });

    const started = Date.now();
    const waiting = g.caller.gatewayAgent.pollBundle({ since, timeout_ms: 20_000 });
    await createGatewaysService(t.deps).update(owner, g.gateway.id, { enforcement: "soft" });
    const woken = await waiting;
    const elapsed = Date.now() - started;
    expect(woken).toMatchObject({ status: "bundle", version: since + 1 });
    expect(elapsed).toBeLessThan(2_000);
  });

  it("ackBundle records the applied version and last contact; a version never issued is refused", async () => {
    const g = await registered();
    const bundle = await g.caller.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 });
    clock.advance(1000);
    expect(await g.caller.gatewayAgent.ackBundle({ version: bundle.version })).toEqual({ ok: true });
    const stored = await t.deps.repos.gateways.findById(orgId, g.gateway.id);
    expect(stored?.ackedBundleVersion).toBe(bundle.version);
    expect(stored?.lastSeenAt).toBe(clock.now().toISOString());
    await expect(g.caller.gatewayAgent.ackBundle({ version: bundle.version + 100 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("a bundle close to its expiry is replaced by a fresh one at the next poll", async () => {
    const g = await registered();
    const first = await g.caller.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 });
    expect((await g.caller.gatewayAgent.pollBundle({ since: first.version, timeout_ms: 0 })).status).toBe(
      "not_modified",
    );
    clock.advance(13 * 3600 * 1000);
    const renewed = await g.caller.gatewayAgent.pollBundle({ since: first.version, timeout_ms: 0 });
    expect(renewed).toMatchObject({ status: "bundle", version: first.version + 1 });
    if (renewed.status === "bundle")
      expect(Date.parse(renewed.expires_at)).toBe(clock.now().getTime() + 24 * 3600 * 1000);
  });

  it("a token of another organization's gateway cannot register or poll as this gateway; a revoked or rotated token is refused", async () => {
    const g = await registered();
    const otherOrg = await seedOrg(t.deps, "Other");
    const otherOwner = await seedUserSession(t.deps, [{ orgId: otherOrg, role: "owner" }]);
    const other = await createGatewaysService(t.deps).create(
      { orgId: otherOrg, userId: otherOwner.userId, role: "owner" },
      { name: "theirs" },
    );
    const keys = await gatewayKeys();
    const wrongTenant = await gatewayCaller(other.token);
    await expect(
      wrongTenant.gatewayAgent.register({
        gateway_id: g.gateway.id,
        signing_public_jwk: keys.signing,
        encryption_public_jwk: keys.encryption,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await t.deps.repos.gateways.findById(orgId, g.gateway.id))?.encryptionPublicJwk).toEqual(
      g.keys.encryption,
    );
    // Its own poll only ever sees its own (unregistered) gateway.
    await expect(wrongTenant.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });

    const gateways = createGatewaysService(t.deps);
    const rotated = await gateways.rotateToken(owner, g.gateway.id);
    const stale = await gatewayCaller(g.token);
    await expect(stale.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(
      stale.gatewayAgent.register({
        gateway_id: g.gateway.id,
        signing_public_jwk: keys.signing,
        encryption_public_jwk: keys.encryption,
      }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const fresh = await gatewayCaller(rotated.token);
    expect((await fresh.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 })).status).toBe("bundle");

    await gateways.revoke(owner, g.gateway.id);
    const revoked = await gatewayCaller(rotated.token);
    await expect(revoked.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(revoked.gatewayAgent.ackBundle({ version: 1 })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});

describe("bundle long-polls across API replicas (Redis pub/sub)", () => {
  let t: TestDeps;
  let redis: RedisTestPrefix;
  let replicaA: AppDeps;
  let replicaB: AppDeps;
  let closeB: () => Promise<void>;
  const notifiers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = createRedisTestPrefix();
    t = await createTestDeps();
    const notifierA = createRedisBundleNotifier({ url: redis.url, prefix: redis.prefix });
    const notifierB = createRedisBundleNotifier({ url: redis.url, prefix: redis.prefix });
    notifiers.push(notifierA, notifierB);
    replicaA = { ...t.deps, bundleNotifier: notifierA, hooks: createAppHooks() };
    const dbB = await createDatabase({ databaseUrl: t.database.url, poolMax: 3 });
    const queueB = createInProcessQueue({ log: createCaptureLogger() });
    replicaB = {
      ...t.deps,
      db: dbB,
      repos: createRepositories(dbB.prisma),
      queue: queueB,
      bundleNotifier: notifierB,
      hooks: createAppHooks(),
    };
    closeB = async () => {
      await queueB.close();
      await dbB.close();
    };
    registerBundleHooks(replicaA);
    registerBundleHooks(replicaB);
  });
  afterAll(async () => {
    for (const n of notifiers) await n.close();
    await closeB();
    await t.cleanup();
    await redis.cleanup();
  });

  it("a change saved through one replica ends a poll held by another within 2 s", async () => {
    const orgId = await seedOrg(replicaA, "Replicas");
    const user = await seedUserSession(replicaA, [{ orgId, role: "owner" }]);
    const owner: OrgActor = { orgId, userId: user.userId, role: "owner" };
    const { gateway, token } = await createGatewaysService(replicaA).create(owner, { name: "replicated" });
    const keys = await gatewayKeys();
    const onB = (await callerFor(replicaB, { authorization: `Bearer ${token}` })).caller;
    const reg = await onB.gatewayAgent.register({
      gateway_id: gateway.id,
      signing_public_jwk: keys.signing,
      encryption_public_jwk: keys.encryption,
    });
    expect(reg.gateway_id).toBe(gateway.id);
    const first = await onB.gatewayAgent.pollBundle({ since: 0, timeout_ms: 0 });
    const started = Date.now();
    const waiting = onB.gatewayAgent.pollBundle({ since: first.version, timeout_ms: 20_000 });
    // Through replica A: only Redis can tell replica B's waiting poll.
    await createGatewaysService(replicaA).update(owner, gateway.id, { enforcement: "monitor" });
    const woken = await waiting;
    const elapsed = Date.now() - started;
    expect(woken).toMatchObject({ status: "bundle", version: first.version + 1 });
    expect(elapsed).toBeLessThan(2_000);
    console.log(`cross-replica bundle propagation: ${elapsed} ms`);
  });
});
