import type { ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, ResolvedConnectorConfig } from "../../types.ts";
import { rawQueryOf, websocketAction } from "../../util/actions.ts";
import { parseQuery } from "../../util/body.ts";
import { httpMethodAction } from "../generic/http-action.ts";

/**
 * Outgoing webhooks to the listed domains: `webhook.<method>` in lower case,
 * with the same risk, read flag and parameters as the generic connector.
 * Credential: `authorization: Bearer {secret}` unless the config overrides it.
 */
export const webhookConnector: ConnectorDefinition = {
  type: "webhook",
  defaultDomains: [],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: [],
  needsBody: () => false,
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    if (request.upgrade === true) {
      return websocketAction(
        "webhook.websocket.connect",
        config.name,
        request,
        parseQuery(rawQueryOf(request)),
      );
    }
    return httpMethodAction(request, "webhook", config.name);
  },
};
