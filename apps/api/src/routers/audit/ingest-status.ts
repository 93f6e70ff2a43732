import { createAuditService } from "../../services/audit/audit-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { ingestStatusInput } from "./audit-input.types.ts";
import { oneLineInput } from "./one-line-input.ts";

/**
 * How many events of each shipped seq range are stored. A gateway drops events from its spool
 * once their range is complete and re-ships a range that is not (a queue lost it).
 */
export const ingestStatus = gatewayProcedure
  .input(oneLineInput(ingestStatusInput, "ingest status"))
  .query(async ({ ctx, input }) => {
    const ranges = await createAuditService(ctx.deps).ingestStatus(
      ctx.gateway,
      input.ranges.map((r) => ({ chainId: r.chain_id, fromSeq: r.from_seq, toSeq: r.to_seq })),
    );
    return {
      ranges: ranges.map((r) => ({
        chain_id: r.chainId,
        from_seq: r.fromSeq,
        to_seq: r.toSeq,
        stored: r.stored,
        complete: r.stored === r.toSeq - r.fromSeq + 1,
      })),
    };
  });
