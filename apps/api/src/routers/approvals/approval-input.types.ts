import { gatewayApprovalCreateSchema, gatewayApprovalWaitSchema } from "@tameflare/contracts";
import { z } from "zod";

const approvalId = z.string().min(1).max(128);

/** What a gateway sends when it holds a request (contracts: the gateway parses with the same schema). */
export const createApprovalInput = gatewayApprovalCreateSchema;

/** The long-poll's input: at most 25 s. */
export const waitApprovalInput = gatewayApprovalWaitSchema;

export const listApprovalsInput = z.object({
  /** `pending` (default): the queue to work through, oldest first; `all`: recent ones, newest first. */
  status: z.enum(["pending", "all"]).optional(),
  gatewayId: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});

export const getApprovalInput = z.object({ approvalId });

export const decideApprovalInput = z.object({
  approvalId,
  decision: z.enum(["approve", "deny"]),
  note: z.string().trim().max(2000).optional(),
  /** Where the decision is made (recorded with it). */
  via: z.enum(["dashboard", "cli", "api"]).optional(),
});
