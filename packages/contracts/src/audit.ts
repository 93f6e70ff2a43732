import { z } from "zod";
import { riskLevelSchema } from "./action.ts";
import { decisionKindSchema, enforcementLevelSchema } from "./enums.ts";

export const auditOutcomes = ["allow", "deny", "require_approval", "bypass", "error"] as const;

/**
 * One audited request (metadata only: never bodies, never credential headers).
 * `prev_hash`/`hash` chain a gateway's events in `seq` order; see `auditHashInput`.
 */
export const auditEventSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9]{8,64}$/),
  gateway_id: z.string().max(128),
  seq: z.number().int().nonnegative(),
  ts: z.string().datetime({ offset: true }),
  agent: z.string().max(256),
  connector: z.string().max(128).nullable(),
  action_type: z.string().max(512).nullable(),
  decision: z.enum(auditOutcomes),
  enforced: decisionKindSchema.nullable(),
  mode: enforcementLevelSchema.nullable(),
  reason: z.string().max(2048).nullable(),
  rule: z.string().max(512).nullable(),
  risk: riskLevelSchema.nullable(),
  risk_score: z.number().min(0).max(100).nullable(),
  status: z.number().int().min(0).max(999).nullable(),
  latency_ms: z.number().nonnegative().nullable(),
  method: z.string().max(16),
  host: z.string().max(512),
  path: z.string().max(4096),
  request_id: z.string().max(128),
  approval_id: z.string().max(128).nullable(),
  error_code: z.string().max(64).nullable(),
  bytes_in: z.number().int().nonnegative().nullable(),
  bytes_out: z.number().int().nonnegative().nullable(),
  prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditEventBody = Omit<AuditEvent, "hash">;

/**
 * The free-text fields of an audit event: what an agent's request, a policy or a
 * configuration can put there (the rest are ids, hashes, enums, numbers and timestamps).
 */
export const auditTextFields = [
  "gateway_id",
  "agent",
  "connector",
  "action_type",
  "reason",
  "rule",
  "method",
  "host",
  "path",
  "request_id",
  "approval_id",
  "error_code",
] as const satisfies readonly (keyof AuditEvent)[];

/**
 * `value` as the audit trail can store it: a NUL (which no Postgres text can hold) and an
 * unpaired UTF-16 surrogate (which has no UTF-8 form) each become U+FFFD. The gateway applies
 * it before hashing, so the stored event is the hashed one.
 */
export function storableText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes("\u0000") ? wellFormed.replaceAll("\u0000", "\uFFFD") : wellFormed;
}

/** The first free-text field of `event` that `storableText` would change, or undefined. */
export function unstorableTextField(event: AuditEvent): (typeof auditTextFields)[number] | undefined {
  for (const field of auditTextFields) {
    const value = event[field];
    if (value !== null && (value.includes("\u0000") || !value.isWellFormed())) return field;
  }
  return undefined;
}

/** The chain's starting `prev_hash` for a gateway's first event. */
export const auditGenesisHash = "0".repeat(64);

/**
 * Canonical text hashed (SHA-256, hex) into `hash`: every field but `hash`, keys
 * sorted, JSON encoded. Anyone holding the events can recompute and verify the chain.
 */
export function auditHashInput(event: AuditEventBody): string {
  const record = event as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => k !== "hash")
    .sort();
  return JSON.stringify(keys.map((k) => [k, record[k] ?? null]));
}

export const auditBatchSchema = z.object({
  gateway_id: z.string(),
  events: z.array(auditEventSchema).min(1).max(5000),
});
export type AuditBatch = z.infer<typeof auditBatchSchema>;
