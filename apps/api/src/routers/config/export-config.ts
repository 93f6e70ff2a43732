import { z } from "zod";
import { createConfigService } from "../../services/config/config-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const exportConfigInput = z.object({ gatewayId: z.string().min(1).max(128) });

/** The gateway's configuration as a policy document (JSON and YAML), without secrets. */
export const exportConfig = orgProcedure("viewer")
  .input(exportConfigInput)
  .query(({ ctx, input }) => createConfigService(ctx.deps).exportGateway(actorOf(ctx), input.gatewayId));
