import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { gatewayIdInput } from "./gateway-input.types.ts";

/** One gateway and its connectors. */
export const get = orgProcedure("viewer")
  .input(gatewayIdInput)
  .query(({ ctx, input }) => createGatewaysService(ctx.deps).get(actorOf(ctx), input.gatewayId));
