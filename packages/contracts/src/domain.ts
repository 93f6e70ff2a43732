import { z } from "zod";
import { actionSchema } from "./action.ts";
import { auditEventSchema, auditOutcomes } from "./audit.ts";
import {
  approvalStatusSchema,
  decisionKindSchema,
  enforcementLevelSchema,
  killSwitchScopeSchema,
  roleSchema,
} from "./enums.ts";
import { accessPresetSchema, policySchema } from "./policy-document.ts";

/**
 * Control-plane records as the data layer returns them (packages/db repositories) and the
 * API passes them on. JSON-safe: timestamps are ISO-8601 strings, bytes are base64. Secret
 * material appears only as ciphertext, and hashes of tokens and passwords never appear in
 * a record that leaves the data layer except where a type says so (`UserCredentials`).
 */

/** ISO-8601 timestamp with offset, as every record carries them. */
export const timestampSchema = z.string().datetime({ offset: true });

/** Base64 (standard alphabet, padded) text of some bytes. */
export const base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** A value sealed by the API: ciphertext and nonce (base64) and the id of the key that sealed it. */
export const encryptedValueSchema = z.object({
  ciphertext: base64Schema,
  nonce: base64Schema,
  keyId: z.string().min(1),
});
export type EncryptedValue = z.infer<typeof encryptedValueSchema>;

/** A public JWK (only public members are ever stored). */
export const publicJwkSchema = z.looseObject({ kty: z.string().min(1) });
export type PublicJwk = z.infer<typeof publicJwkSchema>;

// ───────────── tenants and people ─────────────

/** A tenant. Every other record but users belongs to exactly one. */
export const organizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Unique, URL-safe. */
  slug: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Organization = z.infer<typeof organizationSchema>;

/** A person. Never carries the password hash (see `UserCredentials`). */
export const userSchema = z.object({
  id: z.string(),
  /** Lower-cased. */
  email: z.string(),
  name: z.string().nullable(),
  hasPassword: z.boolean(),
  lastLoginAt: timestampSchema.nullable(),
  disabledAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type User = z.infer<typeof userSchema>;

/** A user with the stored password hash: only for the login check, never returned to a client. */
export const userCredentialsSchema = z.object({ user: userSchema, passwordHash: z.string().nullable() });
export type UserCredentials = z.infer<typeof userCredentialsSchema>;

/** A user's role in one organization. */
export const membershipSchema = z.object({
  orgId: z.string(),
  userId: z.string(),
  role: roleSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Membership = z.infer<typeof membershipSchema>;

/** A membership with the user it belongs to, for member lists. */
export const memberSchema = membershipSchema.extend({ user: userSchema });
export type Member = z.infer<typeof memberSchema>;

/** An invitation. The token is only ever stored hashed and is single-use. */
export const inviteSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  role: roleSchema,
  invitedByUserId: z.string().nullable(),
  expiresAt: timestampSchema,
  acceptedAt: timestampSchema.nullable(),
  acceptedByUserId: z.string().nullable(),
  revokedAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
});
export type Invite = z.infer<typeof inviteSchema>;

/** A dashboard login session (the cookie value is only stored hashed). */
export const sessionSchema = z.object({
  id: z.string(),
  userId: z.string(),
  activeOrgId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: timestampSchema,
  expiresAt: timestampSchema,
  lastSeenAt: timestampSchema.nullable(),
  revokedAt: timestampSchema.nullable(),
});
export type Session = z.infer<typeof sessionSchema>;

/** A personal API token (`tfpat_…`), scoped to one organization; stored hashed. */
export const apiTokenSchema = z.object({
  id: z.string(),
  userId: z.string(),
  orgId: z.string(),
  name: z.string(),
  /** The first characters of the token, for telling tokens apart. */
  tokenPrefix: z.string(),
  lastUsedAt: timestampSchema.nullable(),
  expiresAt: timestampSchema.nullable(),
  revokedAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

// ───────────── gateways and configuration ─────────────

/**
 * Gateway-wide document settings, the same keys as in the policy document. Only what was
 * set is stored (no defaults filled in), so the document's defaults apply when compiling.
 */
export const gatewaySettingsSchema = z.strictObject({
  exclude_domains: z.array(z.string().min(1)).optional(),
  upstream_ca: z.string().optional(),
  upstream_proxy: z.string().url().optional(),
  limits: z
    .strictObject({
      body_prefix_bytes: z
        .number()
        .int()
        .min(1024)
        .max(16 * 1024 * 1024)
        .optional(),
      on_truncated_body: z.enum(["deny", "evaluate"]).optional(),
      upstream_timeout_ms: z.number().int().min(100).optional(),
    })
    .optional(),
  approvals: z.strictObject({ timeout_seconds: z.number().int().min(1).optional() }).optional(),
});
export type GatewaySettings = z.infer<typeof gatewaySettingsSchema>;

/** A registered gateway (`gw_…`). The `gwtk_…` token is only stored hashed. */
export const gatewaySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tokenPrefix: z.string(),
  enforcement: enforcementLevelSchema,
  signingPublicJwk: publicJwkSchema.nullable(),
  encryptionPublicJwk: publicJwkSchema.nullable(),
  settings: gatewaySettingsSchema,
  /** Highest bundle version issued to this gateway (0: none yet). */
  lastBundleVersion: z.number().int().nonnegative(),
  /** Bundle version the gateway reported as applied. */
  ackedBundleVersion: z.number().int().nullable(),
  lastSeenAt: timestampSchema.nullable(),
  revokedAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Gateway = z.infer<typeof gatewaySchema>;

/** A connector configured on one gateway. */
export const connectorRecordSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string(),
  type: z.string(),
  /** Unique per gateway. */
  name: z.string(),
  domains: z.array(z.string()),
  upstream: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type ConnectorRecord = z.infer<typeof connectorRecordSchema>;

/** What may be shown about a vault secret: never the value, only its last four characters. */
export const secretMetaSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string(),
  connectorId: z.string(),
  keyId: z.string(),
  last4: z.string(),
  createdByUserId: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type SecretMeta = z.infer<typeof secretMetaSchema>;

/** A vault secret with its ciphertext, for the API to decrypt and re-seal into a bundle. */
export const secretCiphertextSchema = secretMetaSchema.extend({
  ciphertext: base64Schema,
  nonce: base64Schema,
});
export type SecretCiphertext = z.infer<typeof secretCiphertextSchema>;

/** A stored access rule: a preset for a connector, or an action pattern with a decision. */
export const accessRuleRecordSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string(),
  connector: z.string(),
  preset: accessPresetSchema.nullable(),
  action: z.string().nullable(),
  decision: decisionKindSchema.nullable(),
  position: z.number().int(),
  createdByUserId: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type AccessRuleRecord = z.infer<typeof accessRuleRecordSchema>;

/** A condition policy with its current version's content. */
export const policyRecordSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  /** Null: every gateway of the organization. */
  gatewayId: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  priority: z.number().int(),
  currentVersion: z.number().int().positive(),
  /** The current version's policy, as in the policy document. */
  document: policySchema,
  createdByUserId: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  deletedAt: timestampSchema.nullable(),
});
export type PolicyRecord = z.infer<typeof policyRecordSchema>;

/** One immutable version of a policy. */
export const policyVersionSchema = z.object({
  policyId: z.string(),
  orgId: z.string(),
  version: z.number().int().positive(),
  name: z.string(),
  description: z.string().nullable(),
  document: policySchema,
  priority: z.number().int(),
  enabled: z.boolean(),
  authorUserId: z.string().nullable(),
  changeNote: z.string().nullable(),
  createdAt: timestampSchema,
});
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

/** A rate limit as stored (compiled into the document's `rate_limits`). */
export const rateLimitRecordSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string().nullable(),
  name: z.string().nullable(),
  action: z.string(),
  perAgent: z.boolean(),
  max: z.number().int().positive(),
  windowSeconds: z.number().int().positive(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type RateLimitRecord = z.infer<typeof rateLimitRecordSchema>;

/** A signed bundle issued to one gateway. */
export const bundleRecordSchema = z.object({
  orgId: z.string(),
  gatewayId: z.string(),
  version: z.number().int().positive(),
  /** Compact JWS (Ed25519) of a `BundlePayload`. */
  jws: z.string(),
  createdAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
});
export type BundleRecord = z.infer<typeof bundleRecordSchema>;

/**
 * One of the API's own signing keys (bundles: Ed25519; `id` is the JWS `kid`). The private
 * key appears only sealed by the vault master key; the active key of a purpose is the one
 * with `retiredAt` null.
 */
export const signingKeyRecordSchema = z.object({
  id: z.string(),
  purpose: z.string(),
  algorithm: z.string(),
  publicJwk: publicJwkSchema,
  /** The private JWK (JSON text) sealed by the vault master key. */
  sealedPrivateJwk: encryptedValueSchema,
  createdAt: timestampSchema,
  retiredAt: timestampSchema.nullable(),
});
export type SigningKeyRecord = z.infer<typeof signingKeyRecordSchema>;

// ───────────── runtime ─────────────

/** A held request waiting for (or having had) a human decision. */
export const approvalSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string(),
  agent: z.string(),
  requestId: z.string(),
  connector: z.string().nullable(),
  actionType: z.string(),
  /** The action as parsed: no secrets, no bodies beyond what the connector extracted. */
  action: actionSchema,
  rule: z.string().nullable(),
  reason: z.string().nullable(),
  riskScore: z.number().nullable(),
  status: approvalStatusSchema,
  approverRoles: z.array(roleSchema),
  requestedAt: timestampSchema,
  expiresAt: timestampSchema,
  decidedAt: timestampSchema.nullable(),
  /** A user id, or a system actor such as `system:expiry`. */
  decidedBy: z.string().nullable(),
  decidedVia: z.string().nullable(),
  note: z.string().nullable(),
});
export type Approval = z.infer<typeof approvalSchema>;

/** A stored audit event: the gateway's event plus where it was filed. */
export const auditEventRecordSchema = auditEventSchema.extend({
  org_id: z.string(),
  received_at: timestampSchema,
});
export type AuditEventRecord = z.infer<typeof auditEventRecordSchema>;

/** Filters of an audit query. Results are newest first; `cursor` continues a previous page. */
export const auditQuerySchema = z.object({
  orgId: z.string(),
  gatewayId: z.string().optional(),
  /** Inclusive lower bound of `ts`. */
  from: timestampSchema.optional(),
  /** Exclusive upper bound of `ts`. */
  to: timestampSchema.optional(),
  agent: z.string().optional(),
  connector: z.string().optional(),
  /** Action type, exact or with `*` wildcards (`github.pr.*`). */
  action: z.string().optional(),
  decision: z.array(z.enum(auditOutcomes)).optional(),
  /** Upstream HTTP status. */
  status: z.number().int().optional(),
  /**
   * Only events no review mark covers (neither a mark on the event nor a seq range of its
   * chain containing its seq). Composes with every other filter and with `cursor`.
   */
  unreviewed: z.boolean().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** One page of an audit query; `nextCursor` is null on the last page. */
export const auditPageSchema = z.object({
  events: z.array(auditEventRecordSchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/**
 * A stored event as the dashboard lists it: with whether a review mark covers it (the rule of
 * the `unreviewed` filter) and, when one does, the newest such mark's reviewer and time.
 */
export const reviewedAuditEventSchema = auditEventRecordSchema.extend({
  reviewed: z.boolean(),
  /** User id of the newest covering mark's reviewer; null when `reviewed` is false. */
  reviewed_by: z.string().nullable(),
  reviewed_at: timestampSchema.nullable(),
});
export type ReviewedAuditEvent = z.infer<typeof reviewedAuditEventSchema>;

/** One page of `audit.list`: `auditPageSchema` with each event's review state. */
export const reviewedAuditPageSchema = z.object({
  events: z.array(reviewedAuditEventSchema),
  nextCursor: z.string().nullable(),
});
export type ReviewedAuditPage = z.infer<typeof reviewedAuditPageSchema>;

export const auditChainBreakKinds = ["hash_mismatch", "prev_hash_mismatch", "seq_gap"] as const;

/**
 * Outcome of re-verifying a gateway's hash chain. `ok: false` names the first event (by
 * `seq`) where the chain breaks: its own hash is wrong (the row was altered), its
 * `prev_hash` does not match the event before (an event was altered, removed or inserted),
 * or a `seq` is missing.
 */
export const auditChainReportSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    checked: z.number().int().nonnegative(),
    lastSeq: z.number().int().nullable(),
    lastHash: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false),
    checked: z.number().int().nonnegative(),
    seq: z.number().int(),
    eventId: z.string(),
    kind: z.enum(auditChainBreakKinds),
    message: z.string(),
  }),
]);
export type AuditChainReport = z.infer<typeof auditChainReportSchema>;

/**
 * A person's review of one audit event, or of a `seq` range of one hash chain of a gateway
 * (`chainId`: seq numbers restart at 0 in each gateway process run).
 */
export const reviewMarkSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  gatewayId: z.string(),
  eventId: z.string().nullable(),
  /** The chain of a range mark; null for a single-event mark (and for a pre-chain range that covers nothing). */
  chainId: z.string().nullable(),
  fromSeq: z.number().int().nullable(),
  toSeq: z.number().int().nullable(),
  reviewerUserId: z.string(),
  comment: z.string().nullable(),
  createdAt: timestampSchema,
});
export type ReviewMark = z.infer<typeof reviewMarkSchema>;

/** Most events one request may mark reviewed by id (one mark each): a page of the audit log is at most 1,000. */
export const maxReviewEventIds = 1000;

/** A kill switch; active while `deactivatedAt` is null. */
export const killSwitchRecordSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  scope: killSwitchScopeSchema,
  /** Connector name (scope connector) or gateway id (scope gateway); null for global. */
  target: z.string().nullable(),
  /** Narrows a connector kill switch to one gateway. */
  gatewayId: z.string().nullable(),
  reason: z.string().nullable(),
  activatedBy: z.string().nullable(),
  activatedAt: timestampSchema,
  deactivatedAt: timestampSchema.nullable(),
  deactivatedBy: z.string().nullable(),
});
export type KillSwitchRecord = z.infer<typeof killSwitchRecordSchema>;

/** Slack integration of an organization; every secret sealed by the API. */
export const slackSettingsSchema = z.object({
  orgId: z.string(),
  channel: z.string().nullable(),
  teamId: z.string().nullable(),
  botToken: encryptedValueSchema.nullable(),
  signingSecret: encryptedValueSchema.nullable(),
  webhookUrl: encryptedValueSchema.nullable(),
  updatedByUserId: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type SlackSettings = z.infer<typeof slackSettingsSchema>;
