import { bundlePollInputSchema } from "@tameflare/contracts";
import { createBundlesService } from "../../services/bundles/bundles-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "../audit/one-line-input.ts";

/**
 * Long-poll for the gateway's bundle: the newest signed bundle at once when it is newer than
 * `since`, else waits up to 25 s for one (a change anywhere in the API wakes it) and answers
 * `not_modified`.
 */
export const pollBundle = gatewayProcedure
  .input(oneLineInput(bundlePollInputSchema, "bundle poll"))
  .query(({ ctx, input, signal }) =>
    createBundlesService(ctx.deps).poll(ctx.gateway, input.since, { timeoutMs: input.timeout_ms, signal }),
  );
