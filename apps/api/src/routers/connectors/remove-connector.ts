import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const removeConnectorInput = z.object({ connectorId: z.string().min(1).max(128) });

/** Removes a connector with its secret and access rules (refused while a policy names it). Admin and up. */
export const remove = orgProcedure("admin")
  .input(removeConnectorInput)
  .mutation(({ ctx, input }) =>
    createGatewaysService(ctx.deps).removeConnector(actorOf(ctx), input.connectorId),
  );
