import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { EncryptedValue } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../../deps.ts";
import { readApiEnv } from "../../env.ts";
import { createObjectWorld, type ObjectWorld } from "../../testing/procedure-cases.ts";
import { seedOrg, seedUserSession } from "../../testing/seed.ts";
import { callerFor, createCaptureLogger, createTestDeps, type TestDeps } from "../../testing/test-deps.ts";
import { slackSealedPurposes } from "../slack/slack-service.ts";
import { decodeVaultKey, ensureEmbeddedVaultKey, keyringFromEnv, parseVaultKeyFile } from "./vault-keys.ts";
import { rotateVaultSecrets } from "./vault-rotation.ts";
import { createVaultService } from "./vault-service.ts";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../../../..");

describe("vault", () => {
  let t: TestDeps;
  let orgId: string;
  let owner: { userId: string; session: string };
  let world: ObjectWorld;

  beforeAll(async () => {
    t = await createTestDeps();
    orgId = await seedOrg(t.deps, "Vaulted");
    owner = await seedUserSession(t.deps, [{ orgId, role: "owner" }]);
    world = await createObjectWorld(t.deps, orgId, owner.userId);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const withKeys = (env: Record<string, string>): AppDeps => {
    const parsed = readApiEnv({ DATABASE_URL: t.database.url, ...env });
    if (!parsed.ok) throw new Error(parsed.message);
    return { ...t.deps, env: parsed.value };
  };

  it("the stored ciphertext never contains the plaintext, and no response or log line does", async () => {
    const secret = `sk_live_${randomBytes(12).toString("hex")}`;
    const { caller } = await callerFor(t.deps, { session: owner.session });
    const meta = await caller.vault.setSecret({
      orgId,
      gatewayId: world.gatewayId,
      connectorId: world.connectorId,
      value: secret,
    });
    expect(meta.last4).toBe(secret.slice(-4));
    const listed = await caller.vault.list({ orgId, gatewayId: world.gatewayId });
    const row = await t.deps.db.prisma.secret.findFirst({ where: { connectorId: world.connectorId } });
    if (row === null) throw new Error("no secret row");
    const stored = Buffer.from(row.ciphertext);
    for (const encoding of ["utf8", "base64", "hex"] as const) {
      expect(stored.toString(encoding)).not.toContain(Buffer.from(secret).toString(encoding));
    }
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    expect(row.keyId).toBe("test1");
    for (const shown of [meta, listed, t.log.lines]) {
      const text = JSON.stringify(shown);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(row.ciphertext).toString("base64"));
    }
    const [forBundle] = await createVaultService(t.deps).decryptForBundle(orgId, world.gatewayId);
    expect(forBundle).toEqual({ connectorId: world.connectorId, connectorName: "internal", secret });
  });

  it("short secrets show no last characters at all", async () => {
    const { caller } = await callerFor(t.deps, { session: owner.session });
    const made = await world.freshConnector();
    expect((await caller.vault.setSecret({ orgId, ...made, value: "hunter2" })).last4).toBe("");
  });

  it("a ciphertext moved to another connector, gateway or organization does not decrypt (AAD)", async () => {
    const source = await world.freshSecret();
    const target = await world.freshConnector();
    const { caller } = await callerFor(t.deps, { session: owner.session });
    await caller.vault.setSecret({ orgId, ...target, value: "placeholder-value-000" });
    const from = await t.deps.db.prisma.secret.findFirst({ where: { connectorId: source.connectorId } });
    if (from === null) throw new Error("no source row");
    // Copy the sealed bytes into another connector's row (a database-level move).
    await t.deps.db.prisma.secret.updateMany({
      where: { connectorId: target.connectorId },
      data: { ciphertext: from.ciphertext, nonce: from.nonce, keyId: from.keyId },
    });
    const vault = createVaultService(t.deps);
    await expect(vault.decryptForBundle(orgId, target.gatewayId)).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("does not authenticate"),
    });
    // The original row still opens where it belongs.
    expect((await vault.decryptForBundle(orgId, source.gatewayId))[0]?.secret).toMatch(/^sk_live_/);

    const otherOrg = await seedOrg(t.deps, "Other");
    const otherOwner = await seedUserSession(t.deps, [{ orgId: otherOrg, role: "owner" }]);
    const otherWorld = await createObjectWorld(t.deps, otherOrg, otherOwner.userId);
    await createVaultService(t.deps).setSecret(
      { orgId: otherOrg, userId: otherOwner.userId, role: "owner" },
      { gatewayId: otherWorld.gatewayId, connectorId: otherWorld.connectorId, value: "other-org-secret-123" },
    );
    await t.deps.db.prisma.secret.updateMany({
      where: { connectorId: otherWorld.connectorId },
      data: { ciphertext: from.ciphertext, nonce: from.nonce },
    });
    await expect(vault.decryptForBundle(otherOrg, otherWorld.gatewayId)).rejects.toMatchObject({
      code: "internal",
    });
    await t.deps.db.prisma.secret.deleteMany({
      where: { connectorId: { in: [target.connectorId, otherWorld.connectorId] } },
    });
  });

  it("rotation re-encrypts every secret under the new key, after which the old key is not needed", async () => {
    const oldKey = t.deps.env.TF_VAULT_KEY ?? "";
    const newKey = randomBytes(32).toString("base64");
    const before = await createVaultService(t.deps).decryptForBundle(orgId, world.gatewayId);
    const rotating = withKeys({ TF_VAULT_KEY: newKey, TF_VAULT_KEY_ID: "test2", TF_VAULT_KEY_OLD: oldKey });
    const keyring = keyringFromEnv(rotating.env);
    if (keyring === null) throw new Error("no keyring");
    const report = await rotateVaultSecrets(t.deps.db, keyring, { randomBytes, batchSize: 2 });
    expect(report.failed).toEqual([]);
    const total = await t.deps.db.prisma.secret.count();
    expect(report.rotated).toBe(total);
    expect(await t.deps.db.prisma.secret.count({ where: { keyId: { not: "test2" } } })).toBe(0);

    const newOnly = withKeys({ TF_VAULT_KEY: newKey, TF_VAULT_KEY_ID: "test2" });
    expect(await createVaultService(newOnly).decryptForBundle(orgId, world.gatewayId)).toEqual(before);
    await expect(createVaultService(t.deps).decryptForBundle(orgId, world.gatewayId)).rejects.toMatchObject({
      code: "internal",
    });
    // Running it again finds nothing left to do.
    expect((await rotateVaultSecrets(t.deps.db, keyring, { randomBytes })).rotated).toBe(0);
    t.deps.env = newOnly.env;
  });

  it("the rotate-vault-key command rotates a real database and says what it did", async () => {
    const oldKey = t.deps.env.TF_VAULT_KEY ?? "";
    const newKey = randomBytes(32).toString("base64");
    const before = await createVaultService(t.deps).decryptForBundle(orgId, world.gatewayId);
    // The organization's Slack settings are sealed by the vault key too.
    const botToken = `xoxb-${randomBytes(8).toString("hex")}`;
    const webhookUrl = `https://hooks.slack.com/services/T0/B0/${randomBytes(8).toString("hex")}`;
    const sealer = createVaultService(t.deps);
    await t.deps.repos.slack.upsert({
      orgId,
      channel: "#approvals",
      botToken: sealer.sealOrgValue(orgId, slackSealedPurposes.botToken, botToken),
      webhookUrl: sealer.sealOrgValue(orgId, slackSealedPurposes.webhookUrl, webhookUrl),
    });
    const { stdout } = await run(
      join(repoRoot, "node_modules/.bin/tsx"),
      [join(repoRoot, "apps/api/src/cli/rotate-vault-key.ts")],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: t.database.url,
          TF_VAULT_KEY_OLD: oldKey,
          TF_VAULT_KEY: newKey,
          TF_VAULT_KEY_ID: "test3",
        },
      },
    );
    expect(stdout).toMatch(/re-encrypted \d+ secret\(s\) under key `test3`/);
    expect(stdout).toContain("re-encrypted 2 Slack setting value(s) under key `test3`");
    const after = withKeys({ TF_VAULT_KEY: newKey, TF_VAULT_KEY_ID: "test3" });
    expect(await createVaultService(after).decryptForBundle(orgId, world.gatewayId)).toEqual(before);
    // The new key alone opens the Slack settings; the old one no longer does.
    const slack = await t.deps.repos.slack.get(orgId);
    expect(slack?.botToken?.keyId).toBe("test3");
    expect(slack?.signingSecret).toBeNull();
    const opened = createVaultService(after);
    expect(opened.openOrgValue(orgId, slackSealedPurposes.botToken, slack?.botToken as EncryptedValue)).toBe(
      botToken,
    );
    expect(
      opened.openOrgValue(orgId, slackSealedPurposes.webhookUrl, slack?.webhookUrl as EncryptedValue),
    ).toBe(webhookUrl);
    expect(() =>
      createVaultService(t.deps).openOrgValue(
        orgId,
        slackSealedPurposes.botToken,
        slack?.botToken as EncryptedValue,
      ),
    ).toThrow(/cannot be opened/);
    t.deps.env = after.env;
  });

  it("without TF_VAULT_KEY the embedded mode generates a key file (mode 0600) once and says so once", () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-vault-key-"));
    try {
      const parsed = readApiEnv({ TF_DATA_DIR: join(dir, "data") });
      if (!parsed.ok) throw new Error(parsed.message);
      const log = createCaptureLogger();
      const first = ensureEmbeddedVaultKey(parsed.value, log, randomBytes);
      const path = join(dir, "data", "vault.key");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(first.TF_VAULT_KEY).toBeDefined();
      expect(parseVaultKeyFile(readFileSync(path, "utf8"), path)).toEqual(
        decodeVaultKey("k1", first.TF_VAULT_KEY ?? ""),
      );
      const second = ensureEmbeddedVaultKey(parsed.value, log, randomBytes);
      expect(second.TF_VAULT_KEY).toBe(first.TF_VAULT_KEY);
      expect(log.lines.filter((l) => l.includes("generated a vault master key"))).toHaveLength(1);
      expect(log.lines.join("\n")).not.toContain(first.TF_VAULT_KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
