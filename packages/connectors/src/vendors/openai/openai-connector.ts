import type { ConnectorDefinition } from "../../types.ts";
import { compileVendorRoutes, type JsonApi, jsonApiNeedsBody, parseJsonApi } from "../../util/vendor-kit.ts";
import { openaiGenerationFields, openaiRoutes } from "./openai-routes.ts";

const api: JsonApi = {
  vendor: "openai",
  table: compileVendorRoutes(openaiRoutes, "v1"),
  prefix: "v1",
  genericFields: openaiGenerationFields,
};

/**
 * OpenAI (api.openai.com, `/v1`). Actions `openai.<resource>.<verb>` from the
 * route table in `openai-routes.ts`; JSON writes expose `model`, `stream`, `n`
 * and output caps, uploads (multipart) only their path ids. Only the agent's
 * `authorization` is replaced: `openai-organization` / `openai-project` pass
 * through, since they select among the real key's own projects.
 * Pure and total: every input yields a value.
 */
export const openaiConnector: ConnectorDefinition = {
  type: "openai",
  defaultDomains: ["api.openai.com"],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: ["OPENAI_API_KEY"],
  needsBody: (head, config) => jsonApiNeedsBody(api, head, config),
  parse: (request, config) => parseJsonApi(api, request, config),
};
