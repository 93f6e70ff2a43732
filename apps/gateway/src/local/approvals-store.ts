import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  type ApprovalStatus,
  actionSchema,
  approvalStatusSchema,
  err,
  isId,
  ok,
  type Result,
} from "@tameflare/contracts";
import { z } from "zod";
import { readJsonIfExists, writeJsonExclusive } from "./fs-util.ts";

/** `approvals/<id>.json`: written once by the gateway when it holds a request. */
export const approvalRecordSchema = z.object({
  id: z.string(),
  status: z.literal("pending"),
  action: actionSchema,
  /** Every action of the request when it carried several (JSON-RPC batches). */
  actions: z.array(actionSchema).optional(),
  agent: z.string(),
  gateway: z.string(),
  rule: z.string().nullable(),
  reason: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  request_id: z.string(),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;

/** `approvals/<id>.decision.json`: the first writer wins (created exclusively). */
export const approvalDecisionSchema = z.object({
  status: z.enum(["approved", "denied", "expired", "cancelled"]),
  by: z.string().optional(),
  note: z.string().optional(),
  decided_at: z.string(),
});
export type ApprovalDecisionFile = z.infer<typeof approvalDecisionSchema>;

/** An approval as `tf approvals` shows it: the record and its decision, if any. */
export interface LocalApproval extends Omit<ApprovalRecord, "status"> {
  status: ApprovalStatus;
  decided_by?: string;
  note?: string;
  decided_at?: string;
}

export type DecideApprovalCode = "not_found" | "already_decided" | "expired";

export function approvalsDir(tfHome: string): string {
  return join(tfHome, "approvals");
}

export function approvalRecordPath(tfHome: string, id: string): string {
  return join(approvalsDir(tfHome), `${id}.json`);
}

export function approvalDecisionPath(tfHome: string, id: string): string {
  return join(approvalsDir(tfHome), `${id}.decision.json`);
}

/** Reads one approval with its decision; undefined when there is no such record. */
export async function readApproval(
  tfHome: string,
  id: string,
  nowMs = Date.now(),
): Promise<LocalApproval | undefined> {
  if (!isId("approval", id)) return undefined;
  const raw = await readJsonIfExists(approvalRecordPath(tfHome, id));
  if (raw === undefined) return undefined;
  const record = approvalRecordSchema.parse(raw);
  const decisionRaw = await readJsonIfExists(approvalDecisionPath(tfHome, id));
  return merge(
    record,
    decisionRaw === undefined ? undefined : approvalDecisionSchema.parse(decisionRaw),
    nowMs,
  );
}

function merge(
  record: ApprovalRecord,
  decision: ApprovalDecisionFile | undefined,
  nowMs: number,
): LocalApproval {
  if (decision) {
    return {
      ...record,
      status: decision.status,
      decided_at: decision.decided_at,
      ...(decision.by !== undefined ? { decided_by: decision.by } : {}),
      ...(decision.note !== undefined ? { note: decision.note } : {}),
    };
  }
  // A pending record past its expiry whose gateway is gone (it would have written `expired`).
  const expired = Date.parse(record.expires_at) <= nowMs;
  return { ...record, status: expired ? "expired" : "pending" };
}

/** Every approval under TF_HOME (oldest first), optionally filtered by status. */
export async function listApprovals(
  tfHome: string,
  filter?: { status?: ApprovalStatus | ApprovalStatus[] },
): Promise<LocalApproval[]> {
  let names: string[];
  try {
    names = await readdir(approvalsDir(tfHome));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const statuses =
    filter?.status === undefined
      ? undefined
      : new Set(Array.isArray(filter.status) ? filter.status : [filter.status]);
  const nowMs = Date.now();
  const out: LocalApproval[] = [];
  for (const name of names) {
    if (!name.endsWith(".json") || name.endsWith(".decision.json") || !name.startsWith("apv_")) continue;
    const approval = await readApproval(tfHome, name.slice(0, -".json".length), nowMs);
    if (approval && (!statuses || statuses.has(approval.status))) out.push(approval);
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/**
 * Decides a pending approval from any process (`tf approvals approve|deny`). The decision
 * file is created exclusively, so when two people decide at once exactly one wins; the
 * held gateway sees it (fs.watch + poll) and forwards or answers 403.
 */
export async function decideApproval(
  tfHome: string,
  id: string,
  input: { decision: "approved" | "denied"; by: string; note?: string },
): Promise<Result<LocalApproval, DecideApprovalCode>> {
  approvalStatusSchema.parse(input.decision);
  const current = await readApproval(tfHome, id);
  if (!current) return err("not_found", `approval \`${id}\` does not exist`);
  if (current.status === "expired")
    return err("expired", `approval \`${id}\` expired at ${current.expires_at}`);
  if (current.status !== "pending") {
    return err("already_decided", `approval \`${id}\` is already ${current.status}`);
  }
  const decision: ApprovalDecisionFile = {
    status: input.decision,
    by: input.by,
    ...(input.note !== undefined ? { note: input.note } : {}),
    decided_at: new Date().toISOString(),
  };
  const won = await writeJsonExclusive(approvalDecisionPath(tfHome, id), decision, 0o644);
  const after = await readApproval(tfHome, id);
  if (!after) return err("not_found", `approval \`${id}\` does not exist`);
  if (!won) return err("already_decided", `approval \`${id}\` is already ${after.status}`);
  return ok(after);
}
