import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { listAuditInput } from "./audit-input.types.ts";

/** Audit events of the organization or one gateway, newest first, filtered, with keyset pages (`nextCursor`). */
export const list = orgProcedure("viewer")
  .input(listAuditInput)
  .query(({ ctx, input }) => {
    const { orgId: _orgId, ...query } = input;
    return createAuditService(ctx.deps).list(actorOf(ctx), query);
  });
