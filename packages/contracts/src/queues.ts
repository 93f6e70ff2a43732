import { z } from "zod";
import { auditEventSchema } from "./audit.ts";

/** BullMQ queue names (also used by the in-process queue of the embedded mode). */
export const queueNames = {
  auditIngest: "audit-ingest",
  approvalExpiry: "approval-expiry",
  slackNotify: "slack-notify",
} as const;

export const auditIngestJobSchema = z.object({
  org_id: z.string(),
  gateway_id: z.string(),
  events: z.array(auditEventSchema).min(1).max(5000),
});
export type AuditIngestJob = z.infer<typeof auditIngestJobSchema>;

export const approvalExpiryJobSchema = z.object({ approval_id: z.string() });
export type ApprovalExpiryJob = z.infer<typeof approvalExpiryJobSchema>;

export const slackNotifyJobSchema = z.object({ org_id: z.string(), approval_id: z.string() });
export type SlackNotifyJob = z.infer<typeof slackNotifyJobSchema>;
