import { createApprovalsService } from "../../services/approvals/approvals-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "../audit/one-line-input.ts";
import { waitApprovalInput } from "./approval-input.types.ts";
import { approvalState } from "./create-approval.ts";

/**
 * Long-poll for the decision: answers as soon as the approval is approved, denied, expired or
 * cancelled, or after at most 25 s with `pending` (the gateway calls again).
 */
export const wait = gatewayProcedure
  .input(oneLineInput(waitApprovalInput, "approval wait"))
  .query(async ({ ctx, input, signal }) => {
    const approval = await createApprovalsService(ctx.deps).wait(ctx.gateway, input.approval_id, {
      timeoutMs: input.timeout_ms,
      signal,
    });
    return approvalState(approval);
  });
