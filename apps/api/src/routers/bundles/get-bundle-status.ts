import { createBundlesService } from "../../services/bundles/bundles-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { bundleGatewayInput } from "./bundle-input.types.ts";

/**
 * A gateway's bundles: the newest issued, the one it applied, and whether the current
 * configuration compiles (its errors when not: such a configuration is never issued).
 */
export const status = orgProcedure("viewer")
  .input(bundleGatewayInput)
  .query(({ ctx, input }) => createBundlesService(ctx.deps).status(actorOf(ctx), input.gatewayId));
