import { z } from "zod";
import { type AuditEvent, auditEventSchema } from "./audit.ts";
import { err, ok, type Result } from "./result.ts";

/** BullMQ queue names (also used by the in-process queue of the embedded mode). */
export const queueNames = {
  auditIngest: "audit-ingest",
  approvalExpiry: "approval-expiry",
  slackNotify: "slack-notify",
} as const;

/**
 * An `audit-ingest` job as the first API versions queued it: the batch's events as objects.
 * Still read, so jobs queued before an upgrade are stored; no longer written.
 */
export const auditIngestJobV1Schema = z.object({
  org_id: z.string(),
  gateway_id: z.string(),
  events: z.array(auditEventSchema).min(1).max(5000),
});
export type AuditIngestJobV1 = z.infer<typeof auditIngestJobV1Schema>;

const f = auditEventSchema.shape;

/**
 * One event as a row of a v2 job: the event's fields in this order, positionally (the key
 * names were 37% of a v1 job's JSON, and every copy of the job, in the API, Redis and the
 * worker, costs by the byte). `gateway_id` (the chain) is null when it is the previous row's,
 * and then `prev_hash` is null when it is the previous row's `hash`: an unbroken chain costs
 * neither.
 */
export const auditJobRowSchema = z.tuple([
  f.id,
  f.gateway_id.nullable(),
  f.seq,
  f.ts,
  f.agent,
  f.connector,
  f.action_type,
  f.decision,
  f.enforced,
  f.mode,
  f.reason,
  f.rule,
  f.risk,
  f.risk_score,
  f.status,
  f.latency_ms,
  f.method,
  f.host,
  f.path,
  f.request_id,
  f.approval_id,
  f.error_code,
  f.bytes_in,
  f.bytes_out,
  f.prev_hash.nullable(),
  f.hash,
]);
export type AuditJobRow = z.infer<typeof auditJobRowSchema>;

/** The `audit-ingest` job the API queues: one gateway's accepted batch, as rows. */
export const auditIngestJobSchema = z.object({
  v: z.literal(2),
  org_id: z.string(),
  gateway_id: z.string(),
  rows: z.array(auditJobRowSchema).min(1).max(5000),
});
export type AuditIngestJob = z.infer<typeof auditIngestJobSchema>;

/** The job that queues `events` (validated events of `gatewayId` in `orgId`). */
export function auditIngestJob(
  orgId: string,
  gatewayId: string,
  events: readonly AuditEvent[],
): AuditIngestJob {
  const rows = new Array<AuditJobRow>(events.length);
  let prev: AuditEvent | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AuditEvent;
    const sameChain = prev !== undefined && prev.gateway_id === e.gateway_id;
    rows[i] = [
      e.id,
      sameChain ? null : e.gateway_id,
      e.seq,
      e.ts,
      e.agent,
      e.connector,
      e.action_type,
      e.decision,
      e.enforced,
      e.mode,
      e.reason,
      e.rule,
      e.risk,
      e.risk_score,
      e.status,
      e.latency_ms,
      e.method,
      e.host,
      e.path,
      e.request_id,
      e.approval_id,
      e.error_code,
      e.bytes_in,
      e.bytes_out,
      sameChain && prev?.hash === e.prev_hash ? null : e.prev_hash,
      e.hash,
    ];
    prev = e;
  }
  return { v: 2, org_id: orgId, gateway_id: gatewayId, rows };
}

/**
 * Validates a job taken from the queue, of either version, and returns its events. Refuses a
 * job whose first row omits its chain, or a row that omits `prev_hash` without continuing the
 * previous row's chain.
 */
export function parseAuditIngestJob(
  payload: unknown,
): Result<{ org_id: string; gateway_id: string; events: AuditEvent[] }, "bad_job"> {
  const v2 = typeof payload === "object" && payload !== null && (payload as { v?: unknown }).v === 2;
  if (!v2) {
    const parsed = auditIngestJobV1Schema.safeParse(payload);
    return parsed.success ? ok(parsed.data) : err("bad_job", jobIssue(parsed.error));
  }
  const parsed = auditIngestJobSchema.safeParse(payload);
  if (!parsed.success) return err("bad_job", jobIssue(parsed.error));
  const { rows } = parsed.data;
  const events = new Array<AuditEvent>(rows.length);
  let prev: AuditEvent | undefined;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as AuditJobRow;
    const chain = r[1] ?? prev?.gateway_id;
    if (chain === undefined)
      return err("bad_job", `audit-ingest job: \`rows.${i}.1\`: the first row must name its chain`);
    const prevHash = r[24] ?? (r[1] === null ? prev?.hash : undefined);
    if (prevHash === undefined) {
      return err(
        "bad_job",
        `audit-ingest job: \`rows.${i}.24\`: prev_hash omitted where the row starts a chain`,
      );
    }
    const event: AuditEvent = {
      id: r[0],
      gateway_id: chain,
      seq: r[2],
      ts: r[3],
      agent: r[4],
      connector: r[5],
      action_type: r[6],
      decision: r[7],
      enforced: r[8],
      mode: r[9],
      reason: r[10],
      rule: r[11],
      risk: r[12],
      risk_score: r[13],
      status: r[14],
      latency_ms: r[15],
      method: r[16],
      host: r[17],
      path: r[18],
      request_id: r[19],
      approval_id: r[20],
      error_code: r[21],
      bytes_in: r[22],
      bytes_out: r[23],
      prev_hash: prevHash,
      hash: r[25],
    };
    events[i] = event;
    prev = event;
  }
  return ok({ org_id: parsed.data.org_id, gateway_id: parsed.data.gateway_id, events });
}

function jobIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `audit-ingest job: \`${issue?.path.join(".") ?? ""}\`: ${issue?.message ?? "does not match its schema"}`;
}

export const approvalExpiryJobSchema = z.object({ approval_id: z.string() });
export type ApprovalExpiryJob = z.infer<typeof approvalExpiryJobSchema>;

export const slackNotifyJobSchema = z.object({ org_id: z.string(), approval_id: z.string() });
export type SlackNotifyJob = z.infer<typeof slackNotifyJobSchema>;
