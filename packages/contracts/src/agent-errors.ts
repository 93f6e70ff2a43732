import { z } from "zod";

/** Codes of the JSON bodies an agent receives from the gateway (a stable contract). */
export const agentErrorCodes = [
  "denied",
  "no_connector",
  "kill_switch",
  "approval_denied",
  "approval_expired",
  "rate_limited",
  "proxy_auth",
  "upstream_error",
  "upstream_timeout",
  "no_policy",
  "bad_request",
  "gateway_error",
] as const;
export const agentErrorCodeSchema = z.enum(agentErrorCodes);
export type AgentErrorCode = z.infer<typeof agentErrorCodeSchema>;

/** HTTP status per code: the one place a fault is told apart from a policy deny. */
export const agentErrorStatus: Record<AgentErrorCode, number> = {
  denied: 403,
  no_connector: 403,
  kill_switch: 403,
  approval_denied: 403,
  approval_expired: 408,
  rate_limited: 429,
  proxy_auth: 407,
  upstream_error: 502,
  upstream_timeout: 504,
  no_policy: 503,
  bad_request: 400,
  gateway_error: 500,
};

export const agentErrorBodySchema = z.object({
  error: z.object({
    code: agentErrorCodeSchema,
    message: z.string(),
    request_id: z.string(),
    docs: z.string(),
    action: z.string().optional(),
    reason: z.string().optional(),
    rule: z.string().optional(),
    host: z.string().optional(),
    approval_id: z.string().optional(),
    decided_by: z.string().optional(),
    note: z.string().optional(),
    retry_after_seconds: z.number().optional(),
  }),
});
export type AgentErrorBody = z.infer<typeof agentErrorBodySchema>;

export const docsBaseUrl = "https://github.com/tameflare/tameflare/blob/main/docs/agent-errors.md";
