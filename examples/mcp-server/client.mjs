// An agent that uses the example MCP server over Streamable HTTP with Node 20's built-in fetch
// (JSON-RPC by hand, no SDK): initialize, list the tools, search, create, then try to delete a
// record. Under `tf run` the gateway reads each JSON-RPC call as `mcp.tools.<name>` and the
// example policy denies `delete_record`; the token the client holds is a dummy.
//
// Prints one JSON line per step on stdout:
//   {"step": "env", "mcp_token": ...}
//   {"step": <name>, "status": <int>, "body": <JSON or text>}
//   {"step": "done"}
// Exits 0 whatever the statuses; exits 1 when the server cannot be reached at all.
// MCP_SERVER_URL (default http://localhost:8765/mcp), MCP_SERVER_TOKEN.

import process from "node:process";

const serverUrl = process.env.MCP_SERVER_URL ?? "http://localhost:8765/mcp";
const token = process.env.MCP_SERVER_TOKEN ?? "unset";
const protocolVersion = "2025-06-18";
let sessionId;
let nextId = 1;

/** @param {Record<string, unknown>} record */
function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/**
 * Sends one JSON-RPC message (a request when `notification` is false) and prints the outcome.
 * @param {string} step
 * @param {string} method
 * @param {unknown} params
 * @param {{ notification?: boolean }} [options]
 */
async function rpc(step, method, params, options = {}) {
  const message = { jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) };
  if (options.notification !== true) message.id = nextId++;
  const headers = {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (sessionId !== undefined) {
    headers["mcp-session-id"] = sessionId;
    headers["mcp-protocol-version"] = protocolVersion;
  }
  let response;
  try {
    response = await fetch(serverUrl, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    process.stderr.write(`agent: ${step}: could not reach ${serverUrl}: ${String(error)}${cause}\n`);
    process.exit(1);
  }
  const body = parseBody(response.headers.get("content-type") ?? "", await response.text());
  emit({ step, status: response.status, body });
  return { response, body };
}

/** JSON, the first `data:` event of an SSE answer (a server may stream), or the text as is. */
function parseBody(contentType, text) {
  const json = contentType.includes("text/event-stream")
    ? text
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("")
    : text;
  try {
    return JSON.parse(json);
  } catch {
    // An empty 202, or an error page: report it as text.
    return text;
  }
}

emit({ step: "env", mcp_token: token });

const init = await rpc("initialize", "initialize", {
  protocolVersion,
  capabilities: {},
  clientInfo: { name: "tameflare-example-client", version: "0.1.0" },
});
sessionId = init.response.headers.get("mcp-session-id") ?? undefined;
if (sessionId !== undefined) {
  await rpc("initialized", "notifications/initialized", undefined, { notification: true });
  await rpc("tools.list", "tools/list", {});
  await rpc("tools.search_records", "tools/call", { name: "search_records", arguments: { query: "ada" } });
  await rpc("tools.create_record", "tools/call", {
    name: "create_record",
    arguments: { name: "Alan Turing", email: "alan@example.com" },
  });
  // Destructive: the example policy denies it at the gateway, so the server never sees it.
  await rpc("tools.delete_record", "tools/call", { name: "delete_record", arguments: { id: "rec_1" } });
  try {
    const end = await fetch(serverUrl, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}`, "mcp-session-id": sessionId },
      signal: AbortSignal.timeout(60_000),
    });
    emit({ step: "session.end", status: end.status, body: await end.text() });
  } catch (error) {
    process.stderr.write(`agent: session.end: could not reach ${serverUrl}: ${String(error)}\n`);
    process.exit(1);
  }
}

emit({ step: "done" });
