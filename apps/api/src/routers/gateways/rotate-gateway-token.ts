import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { gatewayIdInput } from "./gateway-input.types.ts";

/** Issues a new `gwtk_…` token (shown once); the old one stops working at once. Admin and up. */
export const rotateToken = orgProcedure("admin")
  .input(gatewayIdInput)
  .mutation(({ ctx, input }) => createGatewaysService(ctx.deps).rotateToken(actorOf(ctx), input.gatewayId));
