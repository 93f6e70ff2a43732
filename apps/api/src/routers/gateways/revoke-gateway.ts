import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { gatewayIdInput } from "./gateway-input.types.ts";

/** Revokes a gateway: its token stops working; its history stays. Admin and up. */
export const revoke = orgProcedure("admin")
  .input(gatewayIdInput)
  .mutation(({ ctx, input }) => createGatewaysService(ctx.deps).revoke(actorOf(ctx), input.gatewayId));
