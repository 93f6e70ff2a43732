import { enforcementLevelSchema, gatewaySettingsSchema } from "@tameflare/contracts";
import { z } from "zod";

/** Gateway names: policies' `scope.gateways` and `tf status` show them. */
export const gatewayNameSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    "use 1-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit",
  );

export const gatewayIdInput = z.object({ gatewayId: z.string().min(1).max(128) });

export const createGatewayInput = z.object({
  name: gatewayNameSchema,
  description: z.string().max(500).optional(),
  enforcement: enforcementLevelSchema.optional(),
  settings: gatewaySettingsSchema.optional(),
});

export const updateGatewayInput = gatewayIdInput.extend({
  name: gatewayNameSchema.optional(),
  description: z.string().max(500).nullable().optional(),
  enforcement: enforcementLevelSchema.optional(),
  settings: gatewaySettingsSchema.optional(),
});
