import { bundleAckInputSchema } from "@tameflare/contracts";
import { createBundlesService } from "../../services/bundles/bundles-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "../audit/one-line-input.ts";

/** The gateway verified and now enforces bundle `version` (the dashboard shows it with last-seen). */
export const ackBundle = gatewayProcedure
  .input(oneLineInput(bundleAckInputSchema, "bundle ack"))
  .mutation(async ({ ctx, input }) => {
    await createBundlesService(ctx.deps).ack(ctx.gateway, input.version);
    return { ok: true as const };
  });
