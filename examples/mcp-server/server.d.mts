/** Types of `server.mjs` for TypeScript callers (the tests). */

export interface McpServerOptions {
  /** The bearer token the server accepts (the real one; the gateway injects it). */
  token: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Called after each request is answered. */
  onHit?: (hit: McpServerHit) => void;
}

/** One HTTP request the server answered. */
export interface McpServerHit {
  httpMethod: string;
  /** The JSON-RPC method, when the request got that far. */
  rpcMethod: string | null;
  /** The tool of a `tools/call`. */
  tool: string | null;
  status: number;
}

export interface McpRecord {
  id: string;
  name: string;
  email: string | null;
}

export interface RunningMcpServer {
  port: number;
  /** `http://localhost:<port>/mcp` */
  url: string;
  hits: McpServerHit[];
  records(): McpRecord[];
  close(): Promise<void>;
}

export const supportedProtocolVersions: readonly string[];
export const exampleToken: string;
export function startMcpServer(options: McpServerOptions): Promise<RunningMcpServer>;
