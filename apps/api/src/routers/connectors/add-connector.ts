import { z } from "zod";
import { connectorWriteSchema } from "../../services/gateways/connector-mapping.ts";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const addConnectorInput = z.object({
  gatewayId: z.string().min(1).max(128),
  connector: connectorWriteSchema,
});

/**
 * Adds a connector (the document's connector shape; its secret goes to the vault). The
 * gateway's whole document is validated first: `{ok: false, errors}` names every problem.
 */
export const add = orgProcedure("admin")
  .input(addConnectorInput)
  .mutation(({ ctx, input }) =>
    createGatewaysService(ctx.deps).addConnector(actorOf(ctx), input.gatewayId, input.connector),
  );
