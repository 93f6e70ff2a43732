import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { AuditEvent } from "@tameflare/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../apps/api/src/app.ts";
import type { Logger } from "../../apps/api/src/deps.ts";
import { readApiEnv } from "../../apps/api/src/env.ts";
import { createGatewaysService } from "../../apps/api/src/services/gateways/gateways-service.ts";
import { createSigningKeyService } from "../../apps/api/src/services/signing/signing-key-service.ts";
import { createVaultService } from "../../apps/api/src/services/vault/vault-service.ts";
import { seedGatewayTenant } from "../../apps/api/src/testing/api-processes.ts";
import { makeAuditChain } from "../../apps/api/src/testing/audit-events.ts";
import { shipAuditEvents } from "../../apps/api/src/testing/gateway-shipper.ts";
import { seedUserSession } from "../../apps/api/src/testing/seed.ts";
import { createTestDatabase, type TestDatabase } from "../support/index.ts";

const run = promisify(execFile);

// docs/operations.md "Backups": what a pg_dump taken from a running control plane gives back
// after pg_restore into an empty database, checked through the API itself.

const quietLog: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function startApi(databaseUrl: string, vaultKey: string, dataDir: string): Promise<App> {
  const env = readApiEnv({
    DATABASE_URL: databaseUrl,
    TF_VAULT_KEY: vaultKey,
    TF_DATA_DIR: dataDir,
    API_HOST: "127.0.0.1",
    API_PORT: "0",
    SHUTDOWN_TIMEOUT_MS: "2000",
  });
  if (!env.ok) throw new Error(env.message);
  const app = await createApp(env.value, { log: quietLog });
  await app.start();
  return app;
}

interface ChainReport {
  ok: boolean;
  checked: number;
  seq?: number;
  kind?: string;
  lastSeq?: number;
  lastHash?: string;
}

/** `audit.verifyChain` over HTTP, as the dashboard's audit page calls it (a viewer's session). */
async function verifyChain(app: App, session: string, orgId: string, gatewayId: string) {
  const input = encodeURIComponent(JSON.stringify({ orgId, gatewayId }));
  const response = await fetch(`${app.server?.url}/trpc/audit.verifyChain?input=${input}`, {
    headers: { cookie: `tf_session=${session}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    result: { data: { ok: boolean; chains: { chainId: string; report: ChainReport }[] } };
  };
  return body.result.data;
}

describe("Postgres backup (pg_dump) restored with pg_restore into an empty database", () => {
  const databases: TestDatabase[] = [];
  const apps: App[] = [];
  let dir: string | undefined;
  let tenant: Awaited<ReturnType<typeof seedGatewayTenant>>;
  let restored: App;
  let chainId: string;
  let events: AuditEvent[];
  const vaultKey = randomBytes(32).toString("base64");
  const secretValue = `backup_secret_${randomBytes(8).toString("hex")}`;
  let signingKid: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tf-backup-"));
    const source = await createTestDatabase();
    databases.push(source);
    tenant = await seedGatewayTenant(source.url);

    // The control plane as deployed (Postgres, in-process queue) with what a backup must keep:
    // a gateway's audit chain shipped until stored, a vault secret, the bundle signing key.
    const live = await startApi(source.url, vaultKey, join(dir, "live"));
    apps.push(live);
    chainId = `${tenant.gatewayId}:run-backup`;
    events = makeAuditChain(chainId, 3000);
    await shipAuditEvents(events, {
      apiUrl: () => live.server?.url ?? "",
      gatewayToken: tenant.gatewayToken,
      gatewayId: tenant.gatewayId,
      batchSize: 1000,
    });
    const owner = await seedUserSession(live.deps, [{ orgId: tenant.orgId, role: "owner" }]);
    const actor = { orgId: tenant.orgId, userId: owner.userId, role: "owner" as const };
    const connector = await createGatewaysService(live.deps).addConnector(actor, tenant.gatewayId, {
      type: "generic",
      name: "internal",
      domains: ["api.example.com"],
    });
    if (!connector.ok) throw new Error(JSON.stringify(connector.errors));
    await createVaultService(live.deps).setSecret(actor, {
      gatewayId: tenant.gatewayId,
      connectorId: connector.value.id,
      value: secretValue,
    });
    signingKid = (await createSigningKeyService(live.deps).bundleKey()).kid;

    // The backup is taken while the API keeps running.
    const dump = join(dir, "tameflare.dump");
    await run("pg_dump", ["--format=custom", `--file=${dump}`, `--dbname=${source.url}`]);
    const empty = await createTestDatabase({ migrate: false });
    databases.push(empty);
    await run("pg_restore", [
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      `--dbname=${empty.url}`,
      dump,
    ]);
    restored = await startApi(empty.url, vaultKey, join(dir, "restored"));
    apps.push(restored);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const database of databases) await database.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("keeps every audit event, and audit.verifyChain verifies the chain; an altered row is named", async () => {
    expect(await verifyChain(restored, tenant.session, tenant.orgId, tenant.gatewayId)).toEqual({
      ok: true,
      chains: [
        { chainId, report: { ok: true, checked: 3000, lastSeq: 2999, lastHash: events.at(-1)?.hash } },
      ],
    });

    // The check is not vacuous: one altered row in the restored copy is named.
    const client = new pg.Client({ connectionString: databases[1]?.url });
    await client.connect();
    try {
      await client.query("UPDATE audit_events SET agent = 'mallory' WHERE chain_id = $1 AND seq = 1500", [
        chainId,
      ]);
    } finally {
      await client.end();
    }
    const altered = await verifyChain(restored, tenant.session, tenant.orgId, tenant.gatewayId);
    expect(altered.ok).toBe(false);
    expect(altered.chains[0]?.report).toMatchObject({ ok: false, seq: 1500, kind: "hash_mismatch" });
  });

  it("with the same TF_VAULT_KEY the vault opens and the API signs with the key gateways pinned; another key opens nothing", async () => {
    const secrets = await createVaultService(restored.deps).decryptForBundle(tenant.orgId, tenant.gatewayId);
    expect(secrets.map((s) => s.secret)).toEqual([secretValue]);
    expect((await createSigningKeyService(restored.deps).bundleKey()).kid).toBe(signingKid);

    const otherKey = {
      ...restored.deps,
      env: { ...restored.deps.env, TF_VAULT_KEY: randomBytes(32).toString("base64") },
    };
    await expect(
      createVaultService(otherKey).decryptForBundle(tenant.orgId, tenant.gatewayId),
    ).rejects.toThrow(/cannot be opened/);
  });
});
