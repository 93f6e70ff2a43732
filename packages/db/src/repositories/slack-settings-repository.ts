import { type EncryptedValue, encryptedValueSchema, type SlackSettings } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { SlackSettings as SlackSettingsRow } from "../generated/client.ts";
import { fromBase64, iso, toBase64 } from "./shared.ts";

/** A field of the update: a new sealed value, null to clear it, undefined to keep it. */
type SealedUpdate = EncryptedValue | null | undefined;

export interface SlackSettingsRepository {
  get(orgId: string): Promise<SlackSettings | null>;
  /** Every organization's settings, `limit` at a time after `afterOrgId` (vault key rotation). */
  list(options: { limit: number; afterOrgId?: string }): Promise<SlackSettings[]>;
  /** Creates or updates the settings; fields left undefined keep their stored value. */
  upsert(input: {
    orgId: string;
    channel?: string | null;
    teamId?: string | null;
    botToken?: SealedUpdate;
    signingSecret?: SealedUpdate;
    webhookUrl?: SealedUpdate;
    updatedByUserId?: string | null;
  }): Promise<SlackSettings>;
  remove(orgId: string): Promise<boolean>;
  /**
   * Records the nonce of a signed approve/deny link as used. True the first time, false
   * for every later use of the same link (single use across all API replicas).
   */
  consumeLinkNonce(input: {
    nonce: string;
    orgId: string;
    approvalId: string;
    action: string;
    expiresAt: Date;
  }): Promise<boolean>;
  /** True when the nonce of a signed link was already used (a link page shows "already used"). */
  isLinkNonceUsed(nonce: string): Promise<boolean>;
  /** Forgets used nonces whose links expired before `now`. */
  pruneLinkNonces(now: Date): Promise<number>;
}

export function createSlackSettingsRepository(db: DbClient): SlackSettingsRepository {
  return {
    async get(orgId) {
      const row = await db.slackSettings.findUnique({ where: { orgId } });
      return row === null ? null : toSlackSettings(row);
    },

    async list({ limit, afterOrgId }) {
      const rows = await db.slackSettings.findMany({
        ...(afterOrgId === undefined ? {} : { where: { orgId: { gt: afterOrgId } } }),
        orderBy: { orgId: "asc" },
        take: limit,
      });
      return rows.map(toSlackSettings);
    },

    async upsert({ orgId, channel, teamId, botToken, signingSecret, webhookUrl, updatedByUserId = null }) {
      const data = {
        channel,
        teamId,
        ...sealedColumns("botToken", botToken),
        ...sealedColumns("signingSecret", signingSecret),
        ...sealedColumns("webhookUrl", webhookUrl),
        updatedByUserId,
      };
      const row = await db.slackSettings.upsert({
        where: { orgId },
        create: { orgId, ...data },
        update: data,
      });
      return toSlackSettings(row);
    },

    async remove(orgId) {
      const { count } = await db.slackSettings.deleteMany({ where: { orgId } });
      return count === 1;
    },

    async consumeLinkNonce({ nonce, orgId, approvalId, action, expiresAt }) {
      const inserted = await db.$executeRaw`
        INSERT INTO slack_link_nonces (nonce, org_id, approval_id, action, expires_at)
        VALUES (${nonce}, ${orgId}, ${approvalId}, ${action}, ${expiresAt})
        ON CONFLICT (nonce) DO NOTHING`;
      return inserted === 1;
    },

    async isLinkNonceUsed(nonce) {
      return (await db.slackLinkNonce.count({ where: { nonce } })) > 0;
    },

    async pruneLinkNonces(now) {
      const { count } = await db.slackLinkNonce.deleteMany({ where: { expiresAt: { lt: now } } });
      return count;
    },
  };
}

function sealedColumns<P extends "botToken" | "signingSecret" | "webhookUrl">(
  prefix: P,
  value: SealedUpdate,
) {
  if (value === undefined) return {};
  const sealed = value === null ? null : encryptedValueSchema.parse(value);
  return {
    [`${prefix}Ciphertext`]: sealed === null ? null : fromBase64(sealed.ciphertext),
    [`${prefix}Nonce`]: sealed === null ? null : fromBase64(sealed.nonce),
    [`${prefix}KeyId`]: sealed === null ? null : sealed.keyId,
  } as { [K in `${P}Ciphertext` | `${P}Nonce`]: Uint8Array<ArrayBuffer> | null } & {
    [K in `${P}KeyId`]: string | null;
  };
}

function sealed(
  ciphertext: Uint8Array | null,
  nonce: Uint8Array | null,
  keyId: string | null,
): EncryptedValue | null {
  if (ciphertext === null || nonce === null || keyId === null) return null;
  return { ciphertext: toBase64(ciphertext), nonce: toBase64(nonce), keyId };
}

export function toSlackSettings(row: SlackSettingsRow): SlackSettings {
  return {
    orgId: row.orgId,
    channel: row.channel,
    teamId: row.teamId,
    botToken: sealed(row.botTokenCiphertext, row.botTokenNonce, row.botTokenKeyId),
    signingSecret: sealed(row.signingSecretCiphertext, row.signingSecretNonce, row.signingSecretKeyId),
    webhookUrl: sealed(row.webhookUrlCiphertext, row.webhookUrlNonce, row.webhookUrlKeyId),
    updatedByUserId: row.updatedByUserId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
