import { gatewayRegisterInputSchema } from "@tameflare/contracts";
import { createBundlesService } from "../../services/bundles/bundles-service.ts";
import { gatewayProcedure } from "../../trpc/init.ts";
import { oneLineInput } from "../audit/one-line-input.ts";

/**
 * `tf init`: the gateway (authenticated by its `gwtk_…` token) records the public halves of
 * the keys it made (Ed25519 signing, ECDH-ES encryption) and learns the API's bundle-signing
 * public key to pin. Registering again replaces the keys; bundles sealed to the old ones are
 * superseded at once.
 */
export const register = gatewayProcedure
  .input(oneLineInput(gatewayRegisterInputSchema, "register"))
  .mutation(({ ctx, input }) => createBundlesService(ctx.deps).register(ctx.gateway, input));
