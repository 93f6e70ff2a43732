import type { EncryptedValue, SecretCiphertext } from "@tameflare/contracts";
import { createRepositories, type Database, withTransaction } from "@tameflare/db";
import { open, seal, secretAad, VaultDecryptError } from "./vault-crypto.ts";
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
