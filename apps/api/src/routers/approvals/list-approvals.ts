import { createApprovalsService } from "../../services/approvals/approvals-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { listApprovalsInput } from "./approval-input.types.ts";

/** Pending approvals (oldest first), or recent ones of any status. */
export const list = orgProcedure("viewer")
  .input(listApprovalsInput)
  .query(({ ctx, input }) => createApprovalsService(ctx.deps).list(actorOf(ctx), input));
