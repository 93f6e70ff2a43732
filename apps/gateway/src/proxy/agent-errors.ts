import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AgentErrorBody,
  type AgentErrorCode,
  agentErrorBodySchema,
  agentErrorStatus,
  docsBaseUrl,
} from "@tameflare/contracts";
import type { AgentResponse } from "./tunnel-http.ts";

/** Optional fields of an agent error body (all but code, message, request_id, docs). */
export type AgentErrorDetails = Omit<AgentErrorBody["error"], "code" | "message" | "request_id" | "docs">;

/** A complete answer to the agent: status, headers and the JSON body of the contract. */
export interface AgentErrorResponse {
  code: AgentErrorCode;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const defaultMessages: Record<AgentErrorCode, string> = {
  denied: "the gateway's policy denied this request",
  no_connector: "no connector is configured for this host, so the request is denied",
  kill_switch: "a kill switch is active: the gateway blocks this traffic",
  approval_denied: "a person denied this request",
  approval_expired: "nobody approved this request in time",
  rate_limited: "a rate limit stopped this request: retry later",
  proxy_auth: "the proxy credentials are missing or unknown",
  upstream_error: "the upstream API could not be reached",
  upstream_timeout: "the upstream API did not answer in time",
  no_policy: "the gateway has no valid policy, so it blocks everything",
  bad_request: "the gateway could not understand this request",
  gateway_error: "the gateway failed while handling this request",
};

/**
 * Builds every answer the gateway gives instead of an upstream response. The one place a
 * fault is told apart from a policy decision: the status comes from contracts'
 * `agentErrorStatus`, and a body that would not match `agentErrorBodySchema` becomes a
 * `gateway_error` (it never turns into a forwarded request or a different decision).
 */
export function agentError(
  code: AgentErrorCode,
  requestId: string,
  message?: string,
  details: AgentErrorDetails = {},
): AgentErrorResponse {
  const candidate: AgentErrorBody = {
    error: {
      code,
      message: message ?? defaultMessages[code],
      request_id: requestId,
      docs: `${docsBaseUrl}#${code}`,
      ...stripUndefined(details),
    },
  };
  const parsed = agentErrorBodySchema.safeParse(candidate);
  const body: AgentErrorBody = parsed.success
    ? parsed.data
    : {
        error: {
          code: "gateway_error",
          message: defaultMessages.gateway_error,
          request_id: requestId,
          docs: `${docsBaseUrl}#gateway_error`,
        },
      };
  const finalCode = body.error.code;
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-tameflare-request-id": requestId,
    "x-tameflare-error": finalCode,
  };
  if (finalCode === "proxy_auth") headers["proxy-authenticate"] = 'Basic realm="TameFlare"';
  if (finalCode === "kill_switch") headers["x-tameflare-kill-switch"] = "active";
  if (finalCode === "rate_limited") {
    headers["retry-after"] = String(Math.max(1, Math.ceil(body.error.retry_after_seconds ?? 1)));
  }
  const text = JSON.stringify(body);
  headers["content-length"] = String(Buffer.byteLength(text));
  return { code: finalCode, status: agentErrorStatus[finalCode], headers, body: text };
}

function stripUndefined(details: AgentErrorDetails): AgentErrorDetails {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (v !== undefined) out[k] = v;
  return out as AgentErrorDetails;
}

/**
 * Sends the error on a ServerResponse. When the agent's request body was not read (a
 * denied upload), the connection closes after the answer instead of draining the body.
 */
export function sendAgentError(
  res: AgentResponse,
  error: AgentErrorResponse,
  requestComplete: boolean,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!requestComplete) res.shouldKeepAlive = false;
  res.writeHead(error.status, undefined, error.headers);
  res.end(error.body);
}

/** Writes the error as a raw HTTP/1.1 response on a socket (CONNECT and upgrade requests), then closes it. */
export function writeRawAgentError(socket: Duplex, error: AgentErrorResponse): void {
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\n`;
  for (const [k, v] of Object.entries(error.headers)) head += `${k}: ${v}\r\n`;
  head += "connection: close\r\n\r\n";
  socket.end(head + error.body);
}
