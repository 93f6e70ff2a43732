import type { ConnectorDefinition } from "../../types.ts";
import { compileVendorRoutes, type JsonApi, jsonApiNeedsBody, parseJsonApi } from "../../util/vendor-kit.ts";
import { anthropicGenerationFields, anthropicRoutes } from "./anthropic-routes.ts";

const api: JsonApi = {
  vendor: "anthropic",
  table: compileVendorRoutes(anthropicRoutes, "v1"),
  prefix: "v1",
  genericFields: anthropicGenerationFields,
};

/**
 * Anthropic (api.anthropic.com, `/v1`). Actions `anthropic.<resource>.<verb>`
 * from the route table in `anthropic-routes.ts`; JSON writes expose `model`,
 * `max_tokens`, `stream` (and a batch's models). The real key goes in
 * `x-api-key`; an agent's `x-api-key` and `authorization` (OAuth bearer) are
 * both removed so neither reaches Anthropic. Pure and total.
 */
export const anthropicConnector: ConnectorDefinition = {
  type: "anthropic",
  defaultDomains: ["api.anthropic.com"],
  injection: { header: "x-api-key", format: "{secret}", strip: ["x-api-key", "authorization"] },
  dummyEnv: ["ANTHROPIC_API_KEY"],
  needsBody: (head, config) => jsonApiNeedsBody(api, head, config),
  parse: (request, config) => parseJsonApi(api, request, config),
};
