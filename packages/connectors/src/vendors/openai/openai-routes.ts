import type { RiskLevel } from "@tameflare/contracts";
import { type JsonRoute, toolTypes } from "../../util/vendor-kit.ts";

/** Generation parameters policies match on (model allow-lists, streaming, output caps). */
export const openaiGenerationFields = [
  "model",
  "stream",
  "n",
  "max_tokens",
  "max_completion_tokens",
  "max_output_tokens",
] as const;

const withTools = (body: Record<string, unknown>): Record<string, unknown> => {
  const types = toolTypes(body.tools);
  return types === undefined ? {} : { tool_types: types };
};

function read(path: string, action: string, extra: Partial<JsonRoute> = {}): JsonRoute {
  return { method: "GET", path, action, risk: "low", read: true, ...extra };
}

/** A JSON write whose body carries the listed fields. */
function post(path: string, action: string, risk: RiskLevel, fields: readonly string[] = []): JsonRoute {
  return { method: "POST", path, action, risk, read: false, bodyFields: fields };
}

/** A write whose body is multipart (uploads) or opaque: parameters come from the path only. */
function upload(path: string, action: string, risk: RiskLevel): JsonRoute {
  return { method: "POST", path, action, risk, read: false };
}

// Deletes are irreversible: always high risk.
function del(path: string, action: string): JsonRoute {
  return { method: "DELETE", path, action, risk: "high", read: false };
}

const generation = openaiGenerationFields;

/**
 * The OpenAI route table (api.openai.com, `/v1`). Risk: inference (chat,
 * responses, embeddings, images, audio) is low, as it changes nothing stored;
 * creating or changing stored objects and jobs is medium; deletes and
 * organization administration are high. Static segments are lower-case.
 */
export const openaiRoutes: readonly JsonRoute[] = [
  // Chat completions (and stored completions).
  { ...post("/v1/chat/completions", "openai.chat.create", "low", generation), derive: withTools },
  read("/v1/chat/completions", "openai.chat.list", { queryFields: ["model"] }),
  read("/v1/chat/completions/{completion_id}", "openai.chat.get"),
  post("/v1/chat/completions/{completion_id}", "openai.chat.update", "medium"),
  del("/v1/chat/completions/{completion_id}", "openai.chat.delete"),
  read("/v1/chat/completions/{completion_id}/messages", "openai.chat.list_messages"),

  // Responses.
  {
    ...post("/v1/responses", "openai.response.create", "low", [
      ...generation,
      "previous_response_id",
      "background",
    ]),
    derive: withTools,
  },
  read("/v1/responses/{response_id}", "openai.response.get", { queryFields: ["stream"] }),
  del("/v1/responses/{response_id}", "openai.response.delete"),
  post("/v1/responses/{response_id}/cancel", "openai.response.cancel", "low"),
  read("/v1/responses/{response_id}/input_items", "openai.response.list_input_items"),
  { ...post("/v1/responses/input_tokens", "openai.response.count_tokens", "low", ["model"]), read: true },

  // Conversations (state for the Responses API).
  post("/v1/conversations", "openai.conversation.create", "medium"),
  read("/v1/conversations/{conversation_id}", "openai.conversation.get"),
  post("/v1/conversations/{conversation_id}", "openai.conversation.update", "medium"),
  del("/v1/conversations/{conversation_id}", "openai.conversation.delete"),
  post("/v1/conversations/{conversation_id}/items", "openai.conversation_item.create", "medium"),
  read("/v1/conversations/{conversation_id}/items", "openai.conversation_item.list"),
  read("/v1/conversations/{conversation_id}/items/{item_id}", "openai.conversation_item.get"),
  del("/v1/conversations/{conversation_id}/items/{item_id}", "openai.conversation_item.delete"),

  // Legacy completions, embeddings, moderations.
  post("/v1/completions", "openai.completion.create", "low", generation),
  post("/v1/embeddings", "openai.embedding.create", "low", ["model", "dimensions", "encoding_format"]),
  // A moderation check classifies text and stores nothing: a read sent as POST.
  { ...post("/v1/moderations", "openai.moderation.create", "low", ["model"]), read: true },

  // Images: generation is JSON; edits and variations are multipart uploads.
  post("/v1/images/generations", "openai.image.generate", "low", [...generation, "size", "quality"]),
  upload("/v1/images/edits", "openai.image.edit", "low"),
  upload("/v1/images/variations", "openai.image.variation", "low"),

  // Audio: speech is JSON; transcriptions and translations upload audio (multipart).
  post("/v1/audio/speech", "openai.speech.create", "low", [
    "model",
    "voice",
    "response_format",
    "stream_format",
  ]),
  upload("/v1/audio/transcriptions", "openai.transcription.create", "low"),
  upload("/v1/audio/translations", "openai.translation.create", "low"),

  // Files and multi-part uploads.
  upload("/v1/files", "openai.file.upload", "medium"),
  read("/v1/files", "openai.file.list", { queryFields: ["purpose"] }),
  read("/v1/files/{file_id}", "openai.file.get"),
  del("/v1/files/{file_id}", "openai.file.delete"),
  read("/v1/files/{file_id}/content", "openai.file.content"),
  post("/v1/uploads", "openai.upload.create", "medium", ["purpose", "bytes", "mime_type"]),
  upload("/v1/uploads/{upload_id}/parts", "openai.upload.add_part", "medium"),
  post("/v1/uploads/{upload_id}/complete", "openai.upload.complete", "medium"),
  post("/v1/uploads/{upload_id}/cancel", "openai.upload.cancel", "medium"),

  // Fine-tuning jobs (they spend money and produce models).
  post("/v1/fine_tuning/jobs", "openai.fine_tuning_job.create", "medium", [
    "model",
    "training_file",
    "validation_file",
    "suffix",
  ]),
  read("/v1/fine_tuning/jobs", "openai.fine_tuning_job.list"),
  read("/v1/fine_tuning/jobs/{fine_tuning_job_id}", "openai.fine_tuning_job.get"),
  post("/v1/fine_tuning/jobs/{fine_tuning_job_id}/cancel", "openai.fine_tuning_job.cancel", "medium"),
  post("/v1/fine_tuning/jobs/{fine_tuning_job_id}/pause", "openai.fine_tuning_job.pause", "medium"),
  post("/v1/fine_tuning/jobs/{fine_tuning_job_id}/resume", "openai.fine_tuning_job.resume", "medium"),
  read("/v1/fine_tuning/jobs/{fine_tuning_job_id}/events", "openai.fine_tuning_job.list_events"),
  read("/v1/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", "openai.fine_tuning_job.list_checkpoints"),

  // Batches.
  post("/v1/batches", "openai.batch.create", "medium", ["endpoint", "input_file_id", "completion_window"]),
  read("/v1/batches", "openai.batch.list"),
  read("/v1/batches/{batch_id}", "openai.batch.get"),
  post("/v1/batches/{batch_id}/cancel", "openai.batch.cancel", "medium"),

  // Models (deleting one removes a fine-tuned model for the whole organization).
  read("/v1/models", "openai.model.list"),
  read("/v1/models/{model}", "openai.model.get"),
  del("/v1/models/{model}", "openai.model.delete"),

  // Vector stores, their files and file batches.
  post("/v1/vector_stores", "openai.vector_store.create", "medium", ["name"]),
  read("/v1/vector_stores", "openai.vector_store.list"),
  read("/v1/vector_stores/{vector_store_id}", "openai.vector_store.get"),
  post("/v1/vector_stores/{vector_store_id}", "openai.vector_store.update", "medium", ["name"]),
  del("/v1/vector_stores/{vector_store_id}", "openai.vector_store.delete"),
  // A search reads the store: a read sent as POST.
  { ...post("/v1/vector_stores/{vector_store_id}/search", "openai.vector_store.search", "low"), read: true },
  post("/v1/vector_stores/{vector_store_id}/files", "openai.vector_store_file.create", "medium", ["file_id"]),
  read("/v1/vector_stores/{vector_store_id}/files", "openai.vector_store_file.list"),
  read("/v1/vector_stores/{vector_store_id}/files/{file_id}", "openai.vector_store_file.get"),
  post("/v1/vector_stores/{vector_store_id}/files/{file_id}", "openai.vector_store_file.update", "medium"),
  del("/v1/vector_stores/{vector_store_id}/files/{file_id}", "openai.vector_store_file.delete"),
  read("/v1/vector_stores/{vector_store_id}/files/{file_id}/content", "openai.vector_store_file.content"),
  post("/v1/vector_stores/{vector_store_id}/file_batches", "openai.vector_store_file_batch.create", "medium"),
  read("/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}", "openai.vector_store_file_batch.get"),
  post(
    "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel",
    "openai.vector_store_file_batch.cancel",
    "medium",
  ),

  // Assistants, threads, messages, runs (Assistants API).
  { ...post("/v1/assistants", "openai.assistant.create", "medium", ["model", "name"]), derive: withTools },
  read("/v1/assistants", "openai.assistant.list"),
  read("/v1/assistants/{assistant_id}", "openai.assistant.get"),
  {
    ...post("/v1/assistants/{assistant_id}", "openai.assistant.update", "medium", ["model", "name"]),
    derive: withTools,
  },
  del("/v1/assistants/{assistant_id}", "openai.assistant.delete"),
  post("/v1/threads", "openai.thread.create", "medium"),
  {
    ...post("/v1/threads/runs", "openai.thread.create_and_run", "medium", [
      "assistant_id",
      "model",
      "stream",
    ]),
    derive: withTools,
  },
  read("/v1/threads/{thread_id}", "openai.thread.get"),
  post("/v1/threads/{thread_id}", "openai.thread.update", "medium"),
  del("/v1/threads/{thread_id}", "openai.thread.delete"),
  post("/v1/threads/{thread_id}/messages", "openai.thread_message.create", "medium", ["role"]),
  read("/v1/threads/{thread_id}/messages", "openai.thread_message.list"),
  read("/v1/threads/{thread_id}/messages/{message_id}", "openai.thread_message.get"),
  post("/v1/threads/{thread_id}/messages/{message_id}", "openai.thread_message.update", "medium"),
  del("/v1/threads/{thread_id}/messages/{message_id}", "openai.thread_message.delete"),
  {
    ...post("/v1/threads/{thread_id}/runs", "openai.run.create", "medium", [
      "assistant_id",
      "model",
      "stream",
    ]),
    derive: withTools,
  },
  read("/v1/threads/{thread_id}/runs", "openai.run.list"),
  read("/v1/threads/{thread_id}/runs/{run_id}", "openai.run.get"),
  post("/v1/threads/{thread_id}/runs/{run_id}", "openai.run.update", "medium"),
  post("/v1/threads/{thread_id}/runs/{run_id}/cancel", "openai.run.cancel", "medium"),
  post(
    "/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
    "openai.run.submit_tool_outputs",
    "medium",
    ["stream"],
  ),
  read("/v1/threads/{thread_id}/runs/{run_id}/steps", "openai.run_step.list"),
  read("/v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", "openai.run_step.get"),

  // Realtime: the WebSocket upgrade names its model in the query.
  read("/v1/realtime", "openai.realtime.connect", { read: false, queryFields: ["model"] }),
  post("/v1/realtime/sessions", "openai.realtime_session.create", "low", ["model"]),
  post("/v1/realtime/client_secrets", "openai.realtime.create_client_secret", "medium"),
  { ...upload("/v1/realtime/calls", "openai.realtime.call", "low"), queryFields: ["model"] },

  // Organization administration (admin keys: users, projects, API keys, invites).
  read("/v1/organization/{path*}", "openai.organization.read"),
  upload("/v1/organization/{path*}", "openai.organization.write", "high"),
  del("/v1/organization/{path*}", "openai.organization.delete"),
];
