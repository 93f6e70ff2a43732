// `rotate-vault-key`: re-encrypts every vault secret from the old master key
// (TF_VAULT_KEY_OLD, id TF_VAULT_KEY_OLD_ID or any) to the new one (TF_VAULT_KEY, id
// TF_VAULT_KEY_ID, which must be a new id). Usage:
//   TF_VAULT_KEY_OLD=… TF_VAULT_KEY=… TF_VAULT_KEY_ID=k2 [DATABASE_URL=…] tsx apps/api/src/cli/rotate-vault-key.ts
// In the embedded mode, `<TF_DATA_DIR>/vault.key` is switched to the new key when it held the old one.
// Failures print one line and exit non-zero.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createDatabase, createRepositories } from "@tameflare/db";
import { readApiEnv } from "../env.ts";
import { resealSigningKeys } from "../services/signing/signing-key-service.ts";
import {
  embeddedVaultKeyPath,
  keyringFromEnv,
  parseVaultKeyFile,
  writeVaultKeyFile,
} from "../services/vault/vault-keys.ts";
import { rotateOrgValues, rotateVaultSecrets } from "../services/vault/vault-rotation.ts";

async function main(): Promise<number> {
  const env = readApiEnv();
  if (!env.ok) {
    console.error(`rotate-vault-key: ${env.message}`);
    return 2;
  }
  const keyring = keyringFromEnv(env.value);
  if (keyring === null || env.value.TF_VAULT_KEY_OLD === undefined) {
    console.error(
      "rotate-vault-key: set TF_VAULT_KEY_OLD to the current key and TF_VAULT_KEY (with a new TF_VAULT_KEY_ID) to the new one",
    );
    return 2;
  }
  const db = await createDatabase({
    databaseUrl: env.value.DATABASE_URL,
    dataDir: join(env.value.TF_DATA_DIR, "pglite"),
  });
  try {
    const report = await rotateVaultSecrets(db, keyring, { randomBytes });
    console.log(
      `re-encrypted ${report.rotated} secret(s) under key \`${keyring.current.id}\`` +
        (report.changedMeanwhile > 0
          ? `; ${report.changedMeanwhile} changed meanwhile and were left as written`
          : ""),
    );
    for (const failure of report.failed) {
      console.error(`secret \`${failure.secretId}\` (organization \`${failure.orgId}\`): ${failure.message}`);
    }
    // The API's own signing keys are sealed by the vault key too.
    const keys = await resealSigningKeys(createRepositories(db.prisma), keyring, randomBytes);
    if (keys.rotated > 0)
      console.log(`re-encrypted ${keys.rotated} signing key(s) under key \`${keyring.current.id}\``);
    for (const kid of keys.failed) console.error(`signing key \`${kid}\`: no configured vault key opens it`);
    // And the organizations' sealed settings (Slack bot token, signing secret, webhook URL).
    const values = await rotateOrgValues(db, keyring, { randomBytes });
    if (values.rotated > 0)
      console.log(
        `re-encrypted ${values.rotated} Slack setting value(s) under key \`${keyring.current.id}\``,
      );
    for (const failure of values.failed)
      console.error(`\`${failure.purpose}\` of organization \`${failure.orgId}\`: ${failure.message}`);
    const failures = report.failed.length + keys.failed.length + values.failed.length;
    if (failures > 0) {
      console.error(
        `rotate-vault-key: ${failures} secret(s), key(s) or setting(s) could not be opened: keep the old key until they are fixed`,
      );
      return 1;
    }
    if (env.value.DATABASE_URL === undefined) {
      const path = embeddedVaultKeyPath(env.value);
      const old = existsSync(path) ? parseVaultKeyFile(readFileSync(path, "utf8"), path) : undefined;
      if (
        old !== undefined &&
        old.key.toString("base64") === Buffer.from(env.value.TF_VAULT_KEY_OLD, "base64").toString("base64")
      ) {
        writeVaultKeyFile(path, keyring.current);
        console.log(`${path} now holds the new key \`${keyring.current.id}\``);
      }
    }
    console.log("the old key is no longer needed once every API replica runs with the new one");
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
