import type { Approval, GatewayApprovalState } from "@tameflare/contracts";
import { createApprovalsService } from "../../services/approvals/approvals-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "../audit/one-line-input.ts";
import { createApprovalInput } from "./approval-input.types.ts";

/** What a gateway learns about an approval it holds a request for. */
export function approvalState(approval: Approval): GatewayApprovalState {
  return {
    approval_id: approval.id,
    status: approval.status,
    expires_at: approval.expiresAt,
    decided_at: approval.decidedAt,
    decided_by: approval.decidedBy,
    decided_via: approval.decidedVia,
    note: approval.note,
  };
}

/**
 * A gateway holds a request for a human: records the approval (`apv_…`), schedules its expiry
 * and the Slack notification. Idempotent per request id.
 */
export const create = gatewayProcedure
  .input(oneLineInput(createApprovalInput, "approval"))
  .mutation(async ({ ctx, input }) => {
    const { approval, created } = await createApprovalsService(ctx.deps).create(ctx.gateway, {
      requestId: input.request_id,
      agent: input.agent,
      action: input.action,
      rule: input.rule,
      reason: input.reason,
      riskScore: input.risk_score,
      timeoutSeconds: input.timeout_seconds,
      approverRoles: input.approver_roles,
    });
    return { ...approvalState(approval), created };
  });
