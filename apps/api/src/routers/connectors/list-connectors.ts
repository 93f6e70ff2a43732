import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const listConnectorsInput = z.object({ gatewayId: z.string().min(1).max(128) });

/** A gateway's connectors. */
export const list = orgProcedure("viewer")
  .input(listConnectorsInput)
  .query(({ ctx, input }) => createGatewaysService(ctx.deps).listConnectors(actorOf(ctx), input.gatewayId));
