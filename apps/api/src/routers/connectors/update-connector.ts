import { z } from "zod";
import { connectorWriteSchema } from "../../services/gateways/connector-mapping.ts";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const updateConnectorInput = z.object({
  connectorId: z.string().min(1).max(128),
  connector: connectorWriteSchema,
});

/** Replaces a connector's configuration (a rename carries its access rules). Admin and up. */
export const update = orgProcedure("admin")
  .input(updateConnectorInput)
  .mutation(({ ctx, input }) =>
    createGatewaysService(ctx.deps).updateConnector(actorOf(ctx), input.connectorId, input.connector),
  );
