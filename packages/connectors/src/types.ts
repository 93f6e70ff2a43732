import type {
  Action,
  ConnectorConfig,
  ConnectorType,
  CredentialInjection,
  ParseResult,
  RequestSnapshot,
  RiskLevel,
} from "@tameflare/contracts";

/**
 * A connector config with its defaults resolved: `name` (default: the type),
 * `domains` (default: the connector's `defaultDomains`), and for mcp/graphql
 * `endpoints` (default `/mcp`, `/graphql`) when built by the registry.
 */
export interface ResolvedConnectorConfig extends ConnectorConfig {
  name: string;
  domains: string[];
}

/** What is known of a request before its body arrives. */
export type RequestHead = Omit<RequestSnapshot, "body">;

/**
 * A built-in connector: pure, total (never throws), fixture-tested.
 * `parse` receives a request whose path is raw; use `normalizeRequestPath`.
 */
export interface ConnectorDefinition {
  type: ConnectorType;
  /** Hosts owned when the config lists none (lower-case, no port). */
  defaultDomains: readonly string[];
  /** How the real credential is written and which agent headers are removed. */
  injection: CredentialInjection;
  /** Env vars `tf run` fills with dummy values so SDKs start (e.g. `STRIPE_SECRET_KEY`). */
  dummyEnv: readonly string[];
  /** True when the action depends on the body, so the gateway buffers a size-capped prefix. */
  needsBody(head: RequestHead, config: ResolvedConnectorConfig): boolean;
  /** Total: failures are `{ok:false}` values, never exceptions. */
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult;
  /**
   * Optional: a different injection for some requests (GitHub's git smart-HTTP
   * wants `Basic` auth where its API takes `Bearer`). Defaults to `injection`.
   */
  injectionFor?(head: RequestHead, config: ResolvedConnectorConfig): CredentialInjection | undefined;
}

/** One entry of a vendor route table. */
export interface RouteSpec {
  method: string;
  /** Template: `/repos/{owner}/{repo}/pulls/{number}`; `{path*}` captures the rest. */
  path: string;
  action: string;
  risk: RiskLevel;
  read?: boolean;
  /** Body fields (dotted paths) copied to parameters. */
  bodyFields?: readonly string[];
  /** Query parameters copied to parameters. */
  queryFields?: readonly string[];
  /**
   * Decide the final action from the parsed body or the path (e.g. PR close vs
   * update by `state`); returned `parameters` are merged over the copied ones.
   */
  refine?: (ctx: RouteContext) => RouteRefinement | undefined;
  /** True when `refine` reads the body (so a truncated body cannot be decided). */
  usesBody?: boolean;
}

/** What a route's `refine` may change. */
export type RouteRefinement = Partial<Pick<Action, "type" | "risk" | "read">> & {
  parameters?: Record<string, unknown>;
};

export interface RouteContext {
  params: Record<string, string>;
  body: unknown;
  query: Record<string, string | string[]>;
}
