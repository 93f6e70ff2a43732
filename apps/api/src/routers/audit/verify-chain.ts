import { createAuditService } from "../../services/audit/audit-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { verifyChainInput } from "./audit-input.types.ts";

/** Re-verifies a gateway's hash chains (one per gateway run) and names the first break of each. */
export const verifyChain = orgProcedure("viewer")
  .input(verifyChainInput)
  .query(({ ctx, input }) =>
    createAuditService(ctx.deps).verifyChain(actorOf(ctx), input.gatewayId, input.chainId),
  );
