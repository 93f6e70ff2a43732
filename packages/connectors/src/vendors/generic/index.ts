import type { ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, ResolvedConnectorConfig } from "../../types.ts";
import { rawQueryOf, websocketAction } from "../../util/actions.ts";
import { parseQuery } from "../../util/body.ts";
import { httpMethodAction } from "./http-action.ts";

export { httpMethodAction } from "./http-action.ts";

/**
 * Any HTTP API on the listed domains (which may carry a port, such as
 * `localhost:8080`): `http.<method>` in lower case, reads (GET/HEAD/OPTIONS)
 * low risk, DELETE high, others medium; parameters `host`, `path`, `query`.
 * A WebSocket upgrade is `http.websocket`. Never reads the body.
 * Credential: `authorization: Bearer {secret}` unless the config overrides it.
 */
export const genericConnector: ConnectorDefinition = {
  type: "generic",
  defaultDomains: [],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: [],
  needsBody: () => false,
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    if (request.upgrade === true) {
      return websocketAction("http.websocket", config.name, request, parseQuery(rawQueryOf(request)));
    }
    return httpMethodAction(request, "http", config.name);
  },
};
