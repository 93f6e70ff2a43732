import { z } from "zod";

export const bundleGatewayInput = z.object({ gatewayId: z.string().min(1).max(128) });
