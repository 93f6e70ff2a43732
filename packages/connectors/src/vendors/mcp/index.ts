import type { Action, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import {
  failure,
  isReadMethod,
  methodSegment,
  pathSegmentsOf,
  rawQueryOf,
  single,
  websocketAction,
} from "../../util/actions.ts";
import { clampValue, isRecord, parseJsonBody, parseQuery } from "../../util/body.ts";
import { riskFromName } from "../../util/risk.ts";

/** Default MCP endpoint path when a config lists none. */
export const defaultMcpEndpoints = ["/mcp"] as const;

/** At most this many JSON-RPC messages in one batch. */
export const maxMcpBatch = 100;

/**
 * Client-to-server methods that only read or keep the session alive. They are
 * reads (so a `read_only` preset still lets a client connect and list).
 */
const READ_METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
]);

const TOOL_NAME = /^[^\s\p{Cc}]{1,256}$/u;
const METHOD_NAME = /^[^\s\p{Cc}]{1,256}$/u;

/**
 * MCP over Streamable HTTP on the configured domains and endpoints (default
 * `/mcp`). A POST carries JSON-RPC (a message or a batch; one action each):
 *
 * - `tools/call` → `mcp.tools.<tool name>`, the tool arguments as parameters,
 *   risk from the tool name (delete/remove/drop/execute/exec/run/deploy/shell
 *   → high; write/create/update/send/post → medium; else low), never a read;
 * - `tools/list` → `mcp.tools.list` (a read; note a tool literally named
 *   `list` also yields `mcp.tools.list`, but with `read: false`);
 * - any other method → `mcp.rpc.<method, / as _>` (`mcp.rpc.resources_read`),
 *   the params as parameters; reads for the listing/reading methods and
 *   notifications, medium risk otherwise;
 * - a JSON-RPC response (client answering a server request) → `mcp.rpc.response`.
 *
 * GET (opening the SSE stream) → `mcp.session.open`, DELETE (ending the
 * session) → `mcp.session.close`, other methods → `mcp.http.<method>`.
 */
export const mcpConnector: ConnectorDefinition = {
  type: "mcp",
  defaultDomains: [],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: [],
  needsBody(head: RequestHead): boolean {
    return head.upgrade !== true && head.method.toUpperCase() === "POST";
  },
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    const connector = config.name;
    const query = parseQuery(rawQueryOf(request));
    if (request.upgrade === true) return websocketAction("mcp.websocket.connect", connector, request, query);
    const path = pathSegmentsOf(request);
    if (!path.ok) return path.result;
    const resource = `/${path.segments.join("/")}`;
    const method = request.method.toUpperCase();
    if (method === "GET" || method === "DELETE") {
      return single({
        type: method === "GET" ? "mcp.session.open" : "mcp.session.close",
        connector,
        resource,
        parameters: {},
        risk: "low",
        read: true,
      });
    }
    if (method !== "POST") {
      const segment = methodSegment(method);
      if (segment === undefined) return failure("bad_request", "the request method is not a valid token");
      const read = isReadMethod(method);
      return single({
        type: `mcp.http.${segment}`,
        connector,
        resource,
        parameters: {},
        risk: read ? "low" : "medium",
        read,
      });
    }
    const decoded = parseJsonBody(request);
    if (!decoded.ok) return failure(decoded.code, decoded.message);
    if (decoded.value === undefined) return failure("bad_body", "a JSON-RPC request needs a body");
    const messages = Array.isArray(decoded.value) ? decoded.value : [decoded.value];
    if (messages.length === 0) return failure("bad_body", "the JSON-RPC batch is empty");
    if (messages.length > maxMcpBatch) {
      return failure("bad_body", `the JSON-RPC batch holds more than ${maxMcpBatch} messages`);
    }
    const actions: Action[] = [];
    for (const message of messages) {
      const action = actionOf(message, connector);
      if (typeof action === "string") return failure("bad_body", action);
      actions.push(action);
    }
    return { ok: true, actions: actions as [Action, ...Action[]] };
  },
};

/** One JSON-RPC message as an action, or why it is not one. */
function actionOf(message: unknown, connector: string): Action | string {
  if (!isRecord(message)) return "a JSON-RPC message must be an object";
  const method = message.method;
  if (method === undefined) {
    if (Object.hasOwn(message, "result") || Object.hasOwn(message, "error")) {
      return {
        type: "mcp.rpc.response",
        connector,
        resource: "rpc/response",
        parameters: {},
        risk: "low",
        read: true,
      };
    }
    return "a JSON-RPC message needs a `method`";
  }
  if (typeof method !== "string" || !METHOD_NAME.test(method))
    return "the JSON-RPC `method` is not a valid name";
  const params = message.params;
  if (params !== undefined && params !== null && typeof params !== "object") {
    return "the JSON-RPC `params` must be an object or an array";
  }
  if (method === "tools/call") {
    if (!isRecord(params)) return "`tools/call` needs `params`";
    const name = params.name;
    if (typeof name !== "string" || !TOOL_NAME.test(name)) return "`tools/call` needs a valid tool `name`";
    const args = params.arguments;
    if (args !== undefined && args !== null && !isRecord(args)) return "tool `arguments` must be an object";
    return {
      type: `mcp.tools.${name}`,
      connector,
      resource: `tools/${name}`,
      parameters: isRecord(args) ? (clampValue(args) as Record<string, unknown>) : {},
      risk: riskFromName(name),
      read: false,
    };
  }
  const parameters = isRecord(params) ? (clampValue(params) as Record<string, unknown>) : {};
  if (method === "tools/list") {
    return { type: "mcp.tools.list", connector, resource: "tools", parameters, risk: "low", read: true };
  }
  const read = READ_METHODS.has(method) || method.startsWith("notifications/");
  return {
    type: `mcp.rpc.${method.replaceAll("/", "_")}`,
    connector,
    resource: `rpc/${method}`,
    parameters,
    risk: read ? "low" : "medium",
    read,
  };
}
