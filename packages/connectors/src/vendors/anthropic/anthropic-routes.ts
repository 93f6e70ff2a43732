import type { RiskLevel } from "@tameflare/contracts";
import { isRecord, type JsonRoute, maxParameterLength, toolTypes } from "../../util/vendor-kit.ts";

/** Generation parameters policies match on (model allow-lists, output caps, streaming). */
export const anthropicGenerationFields = ["model", "max_tokens", "stream"] as const;

const withTools = (body: Record<string, unknown>): Record<string, unknown> => {
  const types = toolTypes(body.tools);
  return types === undefined ? {} : { tool_types: types };
};

/**
 * A batch hides its models inside `requests[].params`: expose the distinct
 * models (at most 32) and the request count, so a model allow-list also covers
 * batches.
 */
const batchSummary = (body: Record<string, unknown>): Record<string, unknown> => {
  if (!Array.isArray(body.requests)) return {};
  const models = new Set<string>();
  for (const request of body.requests) {
    const model = isRecord(request) && isRecord(request.params) ? request.params.model : undefined;
    if (typeof model === "string" && models.size < 32) models.add(model.slice(0, maxParameterLength));
  }
  return { request_count: body.requests.length, models: [...models] };
};

function read(path: string, action: string): JsonRoute {
  return { method: "GET", path, action, risk: "low", read: true };
}

function post(path: string, action: string, risk: RiskLevel, fields?: readonly string[]): JsonRoute {
  return fields === undefined
    ? { method: "POST", path, action, risk, read: false }
    : { method: "POST", path, action, risk, read: false, bodyFields: fields };
}

// Deletes are irreversible: always high risk.
function del(path: string, action: string): JsonRoute {
  return { method: "DELETE", path, action, risk: "high", read: false };
}

/**
 * The Anthropic route table (api.anthropic.com, `/v1`). Risk: inference is
 * low, batches and uploads medium, deletes and organization administration
 * high. Static segments are lower-case.
 */
export const anthropicRoutes: readonly JsonRoute[] = [
  {
    ...post("/v1/messages", "anthropic.message.create", "low", [
      ...anthropicGenerationFields,
      "service_tier",
    ]),
    derive: withTools,
  },
  // Counting tokens stores nothing and costs nothing: a read sent as POST.
  {
    ...post("/v1/messages/count_tokens", "anthropic.message.count_tokens", "low", ["model"]),
    read: true,
    derive: withTools,
  },
  post("/v1/complete", "anthropic.completion.create", "low", ["model", "max_tokens_to_sample", "stream"]),

  read("/v1/models", "anthropic.model.list"),
  read("/v1/models/{model_id}", "anthropic.model.get"),

  { ...post("/v1/messages/batches", "anthropic.message_batch.create", "medium", []), derive: batchSummary },
  read("/v1/messages/batches", "anthropic.message_batch.list"),
  read("/v1/messages/batches/{message_batch_id}", "anthropic.message_batch.get"),
  post("/v1/messages/batches/{message_batch_id}/cancel", "anthropic.message_batch.cancel", "medium"),
  del("/v1/messages/batches/{message_batch_id}", "anthropic.message_batch.delete"),
  read("/v1/messages/batches/{message_batch_id}/results", "anthropic.message_batch.results"),

  // Files (beta): uploads are multipart, so parameters come from the path only.
  post("/v1/files", "anthropic.file.upload", "medium"),
  read("/v1/files", "anthropic.file.list"),
  read("/v1/files/{file_id}", "anthropic.file.get"),
  del("/v1/files/{file_id}", "anthropic.file.delete"),
  read("/v1/files/{file_id}/content", "anthropic.file.content"),

  // Admin API (admin keys: members, invites, workspaces, API keys, usage).
  read("/v1/organizations/{path*}", "anthropic.organization.read"),
  post("/v1/organizations/{path*}", "anthropic.organization.write", "high"),
  del("/v1/organizations/{path*}", "anthropic.organization.delete"),
];
