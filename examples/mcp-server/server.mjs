#!/usr/bin/env node
// A tiny MCP server over Streamable HTTP (MCP 2025-06-18; 2025-03-26 clients are answered too):
// JSON-RPC 2.0 over `POST /mcp`, written by hand with no SDK. It keeps a small in-memory table of
// customer records and offers three tools: `search_records`, `create_record` and the destructive
// `delete_record` (the example policy denies that one at the gateway).
//
// Every request needs `Authorization: Bearer <token>`: under `tf run` the client only holds a
// dummy and the gateway injects the real token on the calls it allows.
//
// What it implements of the transport: one JSON-RPC message per POST (a request gets an
// `application/json` answer; a notification or response gets 202), `Mcp-Session-Id` issued by
// `initialize` and required afterwards (400 without, 404 unknown), `MCP-Protocol-Version` checked,
// `Origin` checked against loopback (DNS rebinding), GET → 405 (no server-initiated stream),
// DELETE ends the session. Batches are refused (removed from the protocol in 2025-06-18).
//
// Library: `import { startMcpServer } from "./server.mjs"` (types in server.d.mts).
// CLI:     `node examples/mcp-server/server.mjs [--port N]` (see --help).

import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const supportedProtocolVersions = ["2025-06-18", "2025-03-26"];
export const exampleToken = "mcp_example_real_token";
const maxBodyBytes = 256 * 1024;

const tools = [
  {
    name: "search_records",
    title: "Search records",
    description: "Finds customer records whose name or email contains the query (case-insensitive).",
    inputSchema: {
      type: "object",
      properties: { query: { type: "string", minLength: 1 } },
      required: ["query"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true },
  },
  {
    name: "create_record",
    title: "Create a record",
    description: "Adds a customer record and returns it with its new id.",
    inputSchema: {
      type: "object",
      properties: { name: { type: "string", minLength: 1 }, email: { type: "string" } },
      required: ["name"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
  },
  {
    name: "delete_record",
    title: "Delete a record",
    description: "Deletes a customer record for good.",
    inputSchema: {
      type: "object",
      properties: { id: { type: "string", minLength: 1 } },
      required: ["id"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: true },
  },
];

/**
 * Starts the server on 127.0.0.1 and resolves once it listens.
 * @param {import("./server.d.mts").McpServerOptions} options
 * @returns {Promise<import("./server.d.mts").RunningMcpServer>}
 */
export async function startMcpServer(options) {
  const { token, port = 0 } = options;
  if (typeof token !== "string" || token === "" || /\s/.test(token)) {
    throw new Error("mcp server: `token` must be a non-empty string without spaces");
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error("mcp server: `port` must be an integer from 0 to 65535");
  }
  /** @type {Map<string, { id: string, name: string, email: string | null }>} */
  const records = new Map(
    [
      { id: "rec_1", name: "Ada Lovelace", email: "ada@example.com" },
      { id: "rec_2", name: "Grace Hopper", email: "grace@example.com" },
      { id: "rec_3", name: "Katherine Johnson", email: null },
    ].map((r) => [r.id, r]),
  );
  let nextRecord = 4;
  /** @type {Map<string, string>} session id → negotiated protocol version */
  const sessions = new Map();
  /** @type {import("./server.d.mts").McpServerHit[]} */
  const hits = [];
  const expected = Buffer.from(`Bearer ${token}`);

  const server = createServer((req, res) => {
    readBody(req, (body, tooLarge) => {
      const hit = { httpMethod: req.method ?? "GET", rpcMethod: null, tool: null, status: 0 };
      const send = (/** @type {number} */ status, /** @type {unknown} */ payload, headers = {}) => {
        hit.status = status;
        hits.push(hit);
        options.onHit?.(hit);
        if (payload === undefined) res.writeHead(status, headers).end();
        else
          res
            .writeHead(status, { ...headers, "content-type": "application/json" })
            .end(JSON.stringify(payload));
      };
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== "/mcp") return send(404, { error: "not found: the MCP endpoint is /mcp" });
      if (!originAllowed(req.headers.origin)) return send(403, { error: "origin not allowed" });
      const given = Buffer.from(req.headers.authorization ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return send(
          401,
          { error: "a valid bearer token is required" },
          { "www-authenticate": 'Bearer realm="mcp"' },
        );
      }
      const version = req.headers["mcp-protocol-version"];
      if (typeof version === "string" && !supportedProtocolVersions.includes(version)) {
        return send(400, rpcError(null, -32600, `unsupported MCP-Protocol-Version \`${version}\``));
      }
      const sessionId = req.headers["mcp-session-id"];
      if (req.method === "GET") return send(405, undefined, { allow: "POST, DELETE" });
      if (req.method === "DELETE") {
        if (typeof sessionId !== "string") return send(400, { error: "Mcp-Session-Id header required" });
        return sessions.delete(sessionId) ? send(204, undefined) : send(404, { error: "unknown session" });
      }
      if (req.method !== "POST") return send(405, undefined, { allow: "POST, DELETE" });
      if (tooLarge) return send(413, rpcError(null, -32600, "request body over 256 KiB"));
      const accept = String(req.headers.accept ?? "*/*");
      if (!/application\/json|\*\/\*/.test(accept)) {
        return send(406, rpcError(null, -32600, "the client must accept application/json"));
      }

      let message;
      try {
        message = JSON.parse(body);
      } catch (error) {
        return send(
          400,
          rpcError(null, -32700, `parse error: ${error instanceof Error ? error.message : ""}`),
        );
      }
      if (Array.isArray(message)) return send(400, rpcError(null, -32600, "batches are not supported"));
      if (typeof message !== "object" || message === null || message.jsonrpc !== "2.0") {
        return send(400, rpcError(null, -32600, "not a JSON-RPC 2.0 message"));
      }
      const hasId = typeof message.id === "string" || typeof message.id === "number";
      if (typeof message.method !== "string") {
        // A response to a server request (this server never sends any) or garbage.
        return hasId && ("result" in message || "error" in message)
          ? send(202, undefined)
          : send(400, rpcError(null, -32600, "not a JSON-RPC 2.0 request"));
      }
      hit.rpcMethod = message.method;
      if (message.method === "initialize") {
        if (!hasId) return send(400, rpcError(null, -32600, "initialize must be a request"));
        const requested = message.params?.protocolVersion;
        const negotiated = supportedProtocolVersions.includes(requested)
          ? requested
          : supportedProtocolVersions[0];
        const id = randomUUID();
        sessions.set(id, negotiated);
        return send(
          200,
          rpcResult(message.id, {
            protocolVersion: negotiated,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: "tameflare-example-records", version: "0.1.0" },
            instructions: "Customer records: search, create and delete.",
          }),
          { "mcp-session-id": id },
        );
      }
      if (typeof sessionId !== "string")
        return send(400, rpcError(null, -32600, "Mcp-Session-Id header required"));
      if (!sessions.has(sessionId)) return send(404, rpcError(null, -32001, "unknown or ended session"));
      if (!hasId) return send(202, undefined); // notifications (notifications/initialized, …)
      switch (message.method) {
        case "ping":
          return send(200, rpcResult(message.id, {}));
        case "tools/list":
          return send(200, rpcResult(message.id, { tools }));
        case "tools/call": {
          const name = message.params?.name;
          const args = message.params?.arguments ?? {};
          hit.tool = typeof name === "string" ? name : null;
          if (!tools.some((t) => t.name === name)) {
            return send(200, rpcError(message.id, -32602, `unknown tool \`${String(name)}\``));
          }
          if (typeof args !== "object" || args === null || Array.isArray(args)) {
            return send(200, rpcError(message.id, -32602, "`arguments` must be an object"));
          }
          return send(200, rpcResult(message.id, callTool(String(name), args)));
        }
        default:
          return send(200, rpcError(message.id, -32601, `method not found: \`${message.method}\``));
      }
    });
  });

  /**
   * @param {string} name
   * @param {Record<string, unknown>} args
   */
  function callTool(name, args) {
    const text = (/** @type {string} */ t, isError = false) => ({
      content: [{ type: "text", text: t }],
      isError,
    });
    if (name === "search_records") {
      if (typeof args.query !== "string" || args.query === "")
        return text("`query` must be a non-empty string", true);
      const q = args.query.toLowerCase();
      const found = [...records.values()].filter(
        (r) => r.name.toLowerCase().includes(q) || (r.email ?? "").toLowerCase().includes(q),
      );
      return { ...text(JSON.stringify(found)), structuredContent: { records: found } };
    }
    if (name === "create_record") {
      if (typeof args.name !== "string" || args.name === "")
        return text("`name` must be a non-empty string", true);
      const record = {
        id: `rec_${nextRecord++}`,
        name: args.name,
        email: typeof args.email === "string" ? args.email : null,
      };
      records.set(record.id, record);
      return { ...text(JSON.stringify(record)), structuredContent: record };
    }
    // delete_record
    if (typeof args.id !== "string" || !records.has(args.id))
      return text(`no record \`${String(args.id)}\``, true);
    records.delete(args.id);
    return text(`deleted ${args.id}`);
  }

  await new Promise((resolvePromise, reject) => {
    server.once("error", (error) => {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      reject(
        new Error(
          `mcp server: port ${port} on 127.0.0.1 ${code === "EADDRINUSE" ? "is in use" : "cannot be used"}`,
          {
            cause: error,
          },
        ),
      );
    });
    server.listen(port, "127.0.0.1", () => resolvePromise(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    port: address.port,
    url: `http://localhost:${address.port}/mcp`,
    hits,
    records: () => [...records.values()],
    close: () => {
      server.closeAllConnections();
      return new Promise((resolvePromise) => server.close(() => resolvePromise(undefined)));
    },
  };
}

/** Browsers send Origin; only loopback pages may talk to a loopback MCP server. */
function originAllowed(/** @type {string | undefined} */ origin) {
  if (origin === undefined) return true;
  try {
    return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(origin).hostname);
  } catch {
    // An Origin that is not a URL (`null` from a sandboxed page) is not a loopback page.
    return false;
  }
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {(body: string, tooLarge: boolean) => void} done
 */
function readBody(req, done) {
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  });
  req.on("error", () => req.destroy());
  req.on("end", () => done(Buffer.concat(chunks).toString("utf8"), size > maxBodyBytes));
}

/** @param {unknown} id @param {unknown} result */
function rpcResult(id, result) {
  return { jsonrpc: "2.0", id, result };
}

/** @param {unknown} id @param {number} code @param {string} message */
function rpcError(id, code, message) {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

// ---------------------------------------------------------------------------------------------
// CLI

const usage = `Usage: node examples/mcp-server/server.mjs [--port N]

Serves the example MCP server (Streamable HTTP) at http://localhost:N/mcp on 127.0.0.1
(default port 8765, as in examples/mcp-server/tameflare.yaml; 0 = any free port).
It accepts only the bearer token in MCP_SERVER_TOKEN (unset: the example token printed at start).`;

/** @param {string[]} argv @param {Record<string, string | undefined>} env */
async function main(argv, env) {
  let port = 8765;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(usage);
      return;
    }
    if (arg !== "--port") throw new Error(`unknown argument \`${arg}\` (see --help)`);
    const value = argv[i + 1];
    port = Number(value);
    if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`\`--port\` must be an integer from 0 to 65535, got \`${value ?? ""}\``);
    }
    i += 1;
  }
  const fromEnv = env.MCP_SERVER_TOKEN !== undefined && env.MCP_SERVER_TOKEN !== "";
  const server = await startMcpServer({
    port,
    token: fromEnv ? /** @type {string} */ (env.MCP_SERVER_TOKEN) : exampleToken,
    onHit: (hit) =>
      console.log(
        `${hit.httpMethod} /mcp ${hit.rpcMethod ?? ""}${hit.tool === null ? "" : ` ${hit.tool}`} -> ${hit.status}`,
      ),
  });
  // Handlers before the ready lines: whoever waits for them may stop us right away.
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log(`MCP server (Streamable HTTP) at ${server.url}`);
  // A token from the environment may be a real one: name the variable, never print it.
  console.log(
    fromEnv ? "  expects the token in $MCP_SERVER_TOKEN" : `  expects MCP_SERVER_TOKEN=${exampleToken}`,
  );
  console.log("Ctrl-C to stop.");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), process.env).catch((error) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
