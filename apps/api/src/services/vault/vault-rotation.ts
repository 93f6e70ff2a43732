import type { EncryptedValue, SecretCiphertext } from "@tameflare/contracts";
import { createRepositories, type Database, withTransaction } from "@tameflare/db";
import { slackSealedPurposes } from "../slack/slack-service.ts";
import { open, orgValueAad, seal, secretAad, VaultDecryptError } from "./vault-crypto.ts";
import type { VaultKeyring } from "./vault-keys.ts";

export interface RotationReport {
  /** Secrets now sealed by the new key. */
  rotated: number;
  /** Secrets rewritten by someone else between read and write (already fresh: left alone). */
  changedMeanwhile: number;
  /** Secrets no configured key could open; they keep their old ciphertext. */
  failed: Array<{ secretId: string; orgId: string; message: string }>;
}

/**
 * Re-seals every vault secret not yet under `keyring.current` with it, in batches: each
 * batch is opened with the old key(s) first, then written in one transaction, and a row is
 * only replaced while it still holds the ciphertext that was read. Safe to re-run after an
 * interruption (finished rows are skipped). Once it reports no failures, the old key is no
 * longer needed.
 */
export async function rotateVaultSecrets(
  db: Database,
  keyring: VaultKeyring,
  options: {
    batchSize?: number;
    randomBytes: (size: number) => Uint8Array;
    onBatch?: (done: number) => void;
  },
): Promise<RotationReport> {
  const repos = createRepositories(db.prisma);
  const report: RotationReport = { rotated: 0, changedMeanwhile: 0, failed: [] };
  const batchSize = options.batchSize ?? 200;
  let afterId: string | undefined;
  for (;;) {
    const batch: SecretCiphertext[] = await repos.secrets.listNotSealedBy(keyring.current.id, {
      limit: batchSize,
      ...(afterId === undefined ? {} : { afterId }),
    });
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]?.id;
    const resealed: Array<{ secret: SecretCiphertext; sealed: EncryptedValue }> = [];
    for (const secret of batch) {
      const aad = secretAad(secret);
      try {
        const plaintext = open(keyring, secret, aad);
        resealed.push({ secret, sealed: seal(keyring.current, plaintext, aad, options.randomBytes) });
      } catch (cause) {
        if (!(cause instanceof VaultDecryptError)) throw cause;
        report.failed.push({ secretId: secret.id, orgId: secret.orgId, message: cause.message });
      }
    }
    await withTransaction(db.prisma, async (tx) => {
      for (const { secret, sealed } of resealed) {
        const replaced = await tx.secrets.reseal(secret.id, {
          expected: { keyId: secret.keyId, nonce: secret.nonce },
          sealed,
        });
        if (replaced) report.rotated += 1;
        else report.changedMeanwhile += 1;
      }
    });
    options.onBatch?.(report.rotated);
  }
  return report;
}

/**
 * Re-seals the organization values the API keeps under the vault key (the Slack bot token,
 * signing secret and webhook URL) with `keyring.current`. Values already under it are left
 * alone, so it is safe to re-run; a value no configured key opens keeps its old ciphertext and
 * is reported.
 */
export async function rotateOrgValues(
  db: Database,
  keyring: VaultKeyring,
  options: { randomBytes: (size: number) => Uint8Array; batchSize?: number },
): Promise<{ rotated: number; failed: Array<{ orgId: string; purpose: string; message: string }> }> {
  const repos = createRepositories(db.prisma);
  const result = { rotated: 0, failed: [] as Array<{ orgId: string; purpose: string; message: string }> };
  const fields = Object.entries(slackSealedPurposes) as Array<[keyof typeof slackSealedPurposes, string]>;
  let afterOrgId: string | undefined;
  for (;;) {
    const batch = await repos.slack.list({
      limit: options.batchSize ?? 200,
      ...(afterOrgId === undefined ? {} : { afterOrgId }),
    });
    if (batch.length === 0) break;
    afterOrgId = batch[batch.length - 1]?.orgId;
    for (const settings of batch) {
      const update: Partial<Record<keyof typeof slackSealedPurposes, EncryptedValue>> = {};
      for (const [field, purpose] of fields) {
        const sealed = settings[field];
        if (sealed === null || sealed.keyId === keyring.current.id) continue;
        const aad = orgValueAad(settings.orgId, purpose);
        try {
          update[field] = seal(keyring.current, open(keyring, sealed, aad), aad, options.randomBytes);
        } catch (cause) {
          if (!(cause instanceof VaultDecryptError)) throw cause;
          result.failed.push({ orgId: settings.orgId, purpose, message: cause.message });
        }
      }
      const count = Object.keys(update).length;
      if (count === 0) continue;
      await repos.slack.upsert({
        orgId: settings.orgId,
        ...update,
        updatedByUserId: settings.updatedByUserId,
      });
      result.rotated += count;
    }
  }
  return result;
}
