import { accessRuleSchema } from "@tameflare/contracts";
import { z } from "zod";
import { createGatewaysService } from "../../services/gateways/gateways-service.ts";
import { orgProcedure } from "../../trpc/init.ts";
import { actorOf } from "../procedure-context.ts";

export const setAccessRulesInput = z.object({
  gatewayId: z.string().min(1).max(128),
  /** Presets (`allow_all`, `read_only`, `require_approval`) and custom `action` patterns with a decision. */
  rules: z.array(accessRuleSchema).max(1000),
});

/**
 * Replaces a gateway's access rules, validated by the policy engine against its connectors;
 * `{ok: false, errors}` with `rules[i]…` paths otherwise. Admin and up.
 */
export const set = orgProcedure("admin")
  .input(setAccessRulesInput)
  .mutation(({ ctx, input }) =>
    createGatewaysService(ctx.deps).setAccessRules(actorOf(ctx), input.gatewayId, input.rules),
  );
