import type { ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import { rawQueryOf, websocketAction } from "../../util/actions.ts";
import { parseQuery } from "../../util/body.ts";
import { parseGraphqlRequest } from "./request.ts";

export { type GraphqlOperation, type GraphqlParse, graphqlLimits, parseGraphqlOperation } from "./parser.ts";
export { maxGraphqlBatch, parseGraphqlRequest } from "./request.ts";

/** Default GraphQL endpoint path when a config lists none. */
export const defaultGraphqlEndpoints = ["/graphql"] as const;

/**
 * Any GraphQL API on the configured domains and endpoints (default `/graphql`):
 * `<connector name>.graphql.<query|mutation|subscription>.<operation>`, one
 * action per operation of a batch. See `parseGraphqlRequest` for parameters.
 * Credential: `authorization: Bearer {secret}` unless the config overrides it.
 */
export const graphqlConnector: ConnectorDefinition = {
  type: "graphql",
  defaultDomains: [],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: [],
  needsBody(head: RequestHead): boolean {
    return head.upgrade !== true && head.method.toUpperCase() === "POST";
  },
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    const query = parseQuery(rawQueryOf(request));
    if (request.upgrade === true)
      return websocketAction(`${config.name}.websocket.connect`, config.name, request, query);
    return parseGraphqlRequest(request, config.name, config.name, query);
  },
};
