import { createApprovalsService } from "../../services/approvals/approvals-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { decideApprovalInput } from "./approval-input.types.ts";

/**
 * Approves or denies (members and up, and only roles the approval's `approver_roles` admit).
 * Deciding an approval that is already settled returns it as it is.
 */
export const decide = orgProcedure("member")
  .input(decideApprovalInput)
  .mutation(({ ctx, input }) =>
    createApprovalsService(ctx.deps).decide(
      actorOf(ctx),
      { approvalId: input.approvalId, decision: input.decision, note: input.note },
      input.via ?? "dashboard",
    ),
  );
