import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";
import { createGatewayInput } from "./gateway-input.types.ts";

/** Registers a gateway: returns its `gw_…` id and its `gwtk_…` token, shown this once. Admin and up. */
export const create = orgProcedure("admin")
  .input(createGatewayInput)
  .mutation(({ ctx, input }) => createGatewaysService(ctx.deps).create(actorOf(ctx), input));
