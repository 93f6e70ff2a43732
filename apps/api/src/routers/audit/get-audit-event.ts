import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { getAuditEventInput } from "./audit-input.types.ts";

/** One audit event with the review marks that cover it. */
export const get = orgProcedure("viewer")
  .input(getAuditEventInput)
  .query(({ ctx, input }) => createAuditService(ctx.deps).get(actorOf(ctx), input.eventId));
