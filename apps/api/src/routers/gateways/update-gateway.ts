import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { updateGatewayInput } from "./gateway-input.types.ts";

/** Name, description, enforcement level (monitor / soft / full) and settings. Admin and up. */
export const update = orgProcedure("admin")
  .input(updateGatewayInput)
  .mutation(({ ctx, input }) => {
    const { gatewayId, orgId: _orgId, ...patch } = input;
    return createGatewaysService(ctx.deps).update(actorOf(ctx), gatewayId, patch);
  });
