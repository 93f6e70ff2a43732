import { auditBatchSchema } from "@tameflare/contracts";
import { createAuditService } from "../../services/audit/audit-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "./one-line-input.ts";

/**
 * A gateway ships a batch of up to 5,000 audit events. Answered only once the ingest queue
 * stored the batch; idempotent by event id (re-sending is always safe).
 */
export const ingest = gatewayProcedure
  .input(oneLineInput(auditBatchSchema, "audit batch"))
  .mutation(({ ctx, input }) => createAuditService(ctx.deps).ingest(ctx.gateway, input));
