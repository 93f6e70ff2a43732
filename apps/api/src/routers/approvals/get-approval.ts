import { createApprovalsService } from "../../services/approvals/approvals-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { getApprovalInput } from "./approval-input.types.ts";

/** One approval: the held action, who may decide, and the decision once made. */
export const get = orgProcedure("viewer")
  .input(getApprovalInput)
  .query(({ ctx, input }) => createApprovalsService(ctx.deps).get(actorOf(ctx), input.approvalId));
