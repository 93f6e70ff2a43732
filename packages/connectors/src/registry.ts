import type {
  ConnectorConfig,
  ConnectorType,
  CredentialInjection,
  ParseResult,
  RequestSnapshot,
} from "@tameflare/contracts";
import { resolveInjection } from "./injection.ts";
import type { ConnectorDefinition, RequestHead, ResolvedConnectorConfig } from "./types.ts";
import { failure, rawQueryOf, websocketAction } from "./util/actions.ts";
import { parseQuery } from "./util/body.ts";
import { normalizeHost, normalizePathSegments, splitHostPort } from "./util/path.ts";
import { anthropicConnector } from "./vendors/anthropic/index.ts";
import { checkCustomConfig, compileCustomConnector, customConnector } from "./vendors/custom/index.ts";
import { genericConnector } from "./vendors/generic/index.ts";
import { githubConnector, githubServes } from "./vendors/github/index.ts";
import { defaultGraphqlEndpoints, graphqlConnector } from "./vendors/graphql/index.ts";
import { defaultMcpEndpoints, mcpConnector } from "./vendors/mcp/index.ts";
import { openaiConnector } from "./vendors/openai/index.ts";
import { slackConnector } from "./vendors/slack/index.ts";
import { stripeConnector } from "./vendors/stripe/index.ts";
import { webhookConnector } from "./vendors/webhook/index.ts";

/** Every built-in connector by type. An explicit table: no discovery. */
export const builtInConnectors: Readonly<Record<ConnectorType, ConnectorDefinition>> = {
  github: githubConnector,
  openai: openaiConnector,
  anthropic: anthropicConnector,
  stripe: stripeConnector,
  slack: slackConnector,
  mcp: mcpConnector,
  graphql: graphqlConnector,
  webhook: webhookConnector,
  generic: genericConnector,
  custom: customConnector,
};

/** Types that own nothing until the config lists domains. */
const NEEDS_DOMAINS: ReadonlySet<ConnectorType> = new Set(["generic", "custom", "mcp", "graphql", "webhook"]);

/**
 * A configured connector, ready for the gateway: its resolved config, the
 * credential injection (config `header` / `format` overrides applied), and
 * total `needsBody` / `parse` functions.
 */
export interface BoundConnector {
  readonly name: string;
  readonly type: ConnectorType;
  readonly config: ResolvedConnectorConfig;
  /** How the real credential is written, after config overrides. */
  readonly injection: CredentialInjection;
  /**
   * The injection for one request: `injection`, except where the connector
   * authenticates some paths differently (GitHub git smart-HTTP: Basic).
   */
  injectionFor(head: RequestHead): CredentialInjection;
  /** True when the gateway must buffer a body prefix before `parse`. Never throws. */
  needsBody(head: RequestHead): boolean;
  /** The request's action(s). Never throws; a WebSocket upgrade is `<namespace>.websocket.connect`. */
  parse(snapshot: RequestSnapshot): ParseResult;
}

/** Finds the connector that owns a request. */
export interface ConnectorRegistry {
  /** In config order. */
  readonly connectors: readonly BoundConnector[];
  get(name: string): BoundConnector | undefined;
  /**
   * The connector owning the request's host (case, trailing dots, IDN and
   * port normalised), or undefined (the gateway then denies: `no_connector`).
   * An exact host beats a `*.` wildcard (the longest suffix first), an entry
   * with the request's port beats one without, and on one host a connector
   * narrowed by path (mcp/graphql `endpoints`, GitHub `base_path` or git
   * smart-HTTP) beats one that takes every path.
   */
  match(head: RequestHead): BoundConnector | undefined;
}

/** A problem in the connector list, located by its path in the policy document. */
export interface RegistryError {
  /** `connectors[2].domains`, `connectors[0].routes[1].path`, … */
  path: string;
  message: string;
}

/** The registry, or every problem found in the connector list. */
export type RegistryResult =
  | { ok: true; registry: ConnectorRegistry }
  | { ok: false; errors: RegistryError[] };

interface Claim {
  bound: BoundConnector;
  /** 0: exact path(s); 1: path predicate; 2: every path. */
  rank: 0 | 1 | 2;
  /** Two claims on one host conflict when their keys are equal. */
  key: string;
  serves?: (head: RequestHead) => boolean;
  where: string;
}

interface DomainEntry {
  host: string;
  port: number | undefined;
  wildcard: boolean;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses one `domains` entry: `api.example.com`, `localhost:8080`, `*.example.com`, `[::1]:9000`. */
export function parseDomainEntry(entry: string): DomainEntry | string {
  const raw = entry.trim();
  if (raw === "") return "a domain cannot be empty";
  if (raw.includes("://") || raw.includes("/")) {
    return `domain \`${entry}\` must be a host name (with an optional port), not a URL`;
  }
  const wildcard = raw.startsWith("*.");
  const rest = wildcard ? raw.slice(2) : raw;
  if (rest.includes("*"))
    return `domain \`${entry}\`: \`*\` is only allowed as a whole first label (\`*.example.com\`)`;
  const { host, port } = splitHostPort(rest);
  if (host === "") return `domain \`${entry}\` is not a valid host name`;
  const colon = rest.startsWith("[")
    ? rest.indexOf("]:")
    : rest.indexOf(":") === rest.lastIndexOf(":")
      ? rest.indexOf(":")
      : -1;
  if (colon !== -1 && port === undefined) return `domain \`${entry}\` has an invalid port`;
  if (wildcard && !host.includes(".") && host !== "localhost") {
    return `domain \`${entry}\`: a wildcard needs at least two labels after \`*.\``;
  }
  return { host, port, wildcard };
}

function resolveConfig(config: ConnectorConfig, definition: ConnectorDefinition): ResolvedConnectorConfig {
  const resolved: ResolvedConnectorConfig = {
    ...config,
    name: config.name ?? config.type,
    domains: config.domains ?? [...definition.defaultDomains],
  };
  if (config.type === "mcp") resolved.endpoints = config.endpoints ?? [...defaultMcpEndpoints];
  if (config.type === "graphql") resolved.endpoints = config.endpoints ?? [...defaultGraphqlEndpoints];
  return resolved;
}

/** The action type of a WebSocket upgrade for a connector. */
function websocketType(config: ResolvedConnectorConfig): string {
  switch (config.type) {
    case "generic":
      return "http.websocket";
    case "graphql":
      return `${config.name}.websocket.connect`;
    case "custom":
      return `${config.action_prefix ?? config.name}.websocket.connect`;
    default:
      return `${config.type}.websocket.connect`;
  }
}

function bind(config: ResolvedConnectorConfig, definition: ConnectorDefinition): BoundConnector {
  const injection = resolveInjection(definition.injection, config.credential);
  const upgradeType = websocketType(config);
  return {
    name: config.name,
    type: config.type,
    config,
    injection,
    injectionFor(head) {
      return definition.injectionFor?.(head, config) ?? injection;
    },
    needsBody(head) {
      if (head.upgrade === true) return false;
      try {
        return definition.needsBody(head, config);
      } catch {
        // A connector bug must not take the request path down; reading the body
        // is the safe answer (parse then sees everything it could need).
        return true;
      }
    },
    parse(snapshot) {
      if (snapshot.upgrade === true) {
        return websocketAction(upgradeType, config.name, snapshot, parseQuery(rawQueryOf(snapshot)));
      }
      try {
        return definition.parse(snapshot, config);
      } catch (error) {
        // Connectors are total by contract (property-tested); should one throw,
        // the request fails closed as unparseable instead of crashing the gateway.
        const reason = error instanceof Error ? error.message : String(error);
        return failure("bad_request", `connector \`${config.name}\` could not parse the request: ${reason}`);
      }
    },
  };
}

function pathServes(endpoints: readonly string[]): (head: RequestHead) => boolean {
  const wanted = new Set(
    endpoints.map((e) => `/${(normalizePathSegments(e) ?? []).join("/").toLowerCase()}`),
  );
  return (head) => {
    const segments = normalizePathSegments(head.path);
    return segments !== undefined && wanted.has(`/${segments.join("/").toLowerCase()}`);
  };
}

/** How a connector claims one of its hosts. */
function claimShape(
  bound: BoundConnector,
  host: string,
): Pick<Claim, "rank" | "key" | "serves"> | Array<Pick<Claim, "rank" | "key" | "serves">> {
  const config = bound.config;
  if (config.type === "mcp" || config.type === "graphql") {
    const endpoints = config.endpoints ?? [];
    return endpoints.map((e) => ({
      rank: 0 as const,
      key: `path:/${(normalizePathSegments(e) ?? []).join("/").toLowerCase()}`,
      serves: pathServes([e]),
    }));
  }
  if (
    config.type === "github" &&
    (config.base_path !== undefined || host === "github.com" || host === "www.github.com")
  ) {
    return {
      rank: 1,
      key: `github:${config.base_path ?? "git"}`,
      serves: (head) => githubServes(head, config),
    };
  }
  return { rank: 2, key: "all" };
}

/**
 * Validates connector configs and binds them: names unique and plain
 * (`[A-Za-z0-9_-]`), domains present where a type has no default, valid and
 * not claimed twice for the same paths, options only where their type reads
 * them, custom routes well formed (compiled here, once). Every problem is
 * reported with its document path; nothing throws.
 */
export function createConnectorRegistry(configs: readonly ConnectorConfig[]): RegistryResult {
  const errors: RegistryError[] = [];
  const bound: BoundConnector[] = [];
  const byName = new Map<string, { index: number; connector: BoundConnector }>();
  const exact = new Map<string, Claim[]>();
  const wildcard = new Map<string, Claim[]>();

  configs.forEach((config, index) => {
    const at = `connectors[${index}]`;
    const definition = (builtInConnectors as Partial<Record<string, ConnectorDefinition>>)[config.type];
    if (definition === undefined) {
      errors.push({ path: `${at}.type`, message: `unknown connector type \`${String(config.type)}\`` });
      return;
    }
    const resolved = resolveConfig(config, definition);
    const before = errors.length;
    if (!NAME.test(resolved.name)) {
      errors.push({
        path: `${at}.name`,
        message: `connector name \`${resolved.name}\` may only hold letters, digits, \`_\` and \`-\``,
      });
    } else if (byName.has(resolved.name)) {
      const first = byName.get(resolved.name)?.index;
      errors.push({
        path: `${at}.name`,
        message: `connector name \`${resolved.name}\` is already used by \`connectors[${first}]\``,
      });
    }
    if (NEEDS_DOMAINS.has(config.type) && (config.domains === undefined || config.domains.length === 0)) {
      errors.push({
        path: `${at}.domains`,
        message: `connector \`${resolved.name}\` of type \`${config.type}\` needs \`domains\``,
      });
    }
    if (config.base_path !== undefined) {
      if (config.type !== "github") {
        errors.push({ path: `${at}.base_path`, message: "`base_path` is only read by github connectors" });
      } else if (!isPlainPath(config.base_path)) {
        errors.push({
          path: `${at}.base_path`,
          message: `base path \`${config.base_path}\` must be a plain path`,
        });
      }
    }
    if (config.endpoints !== undefined) {
      if (config.type !== "mcp" && config.type !== "graphql") {
        errors.push({
          path: `${at}.endpoints`,
          message: "`endpoints` are only read by mcp and graphql connectors",
        });
      } else {
        if (config.endpoints.length === 0)
          errors.push({ path: `${at}.endpoints`, message: "`endpoints` cannot be empty" });
        config.endpoints.forEach((e, i) => {
          if (!isPlainPath(e)) {
            errors.push({ path: `${at}.endpoints[${i}]`, message: `endpoint \`${e}\` must be a plain path` });
          }
        });
      }
    }
    if (config.type !== "custom") {
      if (config.routes !== undefined) {
        errors.push({ path: `${at}.routes`, message: "`routes` are only read by custom connectors" });
      }
      if (config.action_prefix !== undefined) {
        errors.push({
          path: `${at}.action_prefix`,
          message: "`action_prefix` is only read by custom connectors",
        });
      }
    } else {
      for (const problem of checkCustomConfig(config)) {
        errors.push({ path: `${at}.${problem.path}`, message: problem.message });
      }
    }
    if (config.credential?.env !== undefined && !ENV_NAME.test(config.credential.env)) {
      errors.push({
        path: `${at}.credential.env`,
        message: `\`${config.credential.env}\` is not an environment variable name`,
      });
    }
    const entries: Array<{ entry: DomainEntry; where: string }> = [];
    resolved.domains.forEach((domain, i) => {
      const where = config.domains === undefined ? `${at}.domains` : `${at}.domains[${i}]`;
      const entry = parseDomainEntry(domain);
      if (typeof entry === "string") errors.push({ path: where, message: entry });
      else entries.push({ entry, where });
    });
    if (errors.length !== before) return;

    if (config.type === "custom") compileCustomConnector(resolved);
    const connector = bind(resolved, definition);
    bound.push(connector);
    byName.set(resolved.name, { index, connector });

    for (const { entry, where } of entries) {
      const hostKey = entry.port === undefined ? entry.host : `${entry.host}:${entry.port}`;
      const map = entry.wildcard ? wildcard : exact;
      const list = map.get(hostKey) ?? [];
      const shapes = claimShape(connector, entry.host);
      for (const shape of Array.isArray(shapes) ? shapes : [shapes]) {
        const clash = list.find((c) => c.key === shape.key);
        if (clash !== undefined) {
          const what = shape.key === "all" ? "" : ` for the same paths`;
          errors.push({
            path: where,
            message: `domain \`${entry.wildcard ? "*." : ""}${hostKey}\` is already served${what} by connector \`${clash.bound.name}\` (${clash.where})`,
          });
          continue;
        }
        list.push({ bound: connector, where, ...shape });
      }
      list.sort((a, b) => a.rank - b.rank);
      map.set(hostKey, list);
    }
  });

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, registry: makeRegistry(bound, exact, wildcard) };
}

function isPlainPath(path: string): boolean {
  if (!path.startsWith("/") || path.includes("?") || path.includes("#")) return false;
  const segments = normalizePathSegments(path);
  return (
    segments !== undefined && `/${segments.join("/")}` === (path.length > 1 ? path.replace(/\/+$/, "") : "/")
  );
}

function defaultPort(scheme: string): number {
  return scheme === "https" || scheme === "wss" ? 443 : 80;
}

function pick(list: readonly Claim[] | undefined, head: RequestHead): BoundConnector | undefined {
  if (list === undefined) return undefined;
  for (const claim of list) {
    if (claim.serves === undefined || claim.serves(head)) return claim.bound;
  }
  return undefined;
}

function makeRegistry(
  connectors: BoundConnector[],
  exact: Map<string, Claim[]>,
  wildcard: Map<string, Claim[]>,
): ConnectorRegistry {
  const byName = new Map(connectors.map((c) => [c.name, c]));
  const hasWildcards = wildcard.size > 0;
  return {
    connectors,
    get: (name) => byName.get(name),
    match(head) {
      const host = normalizeHost(head.host);
      if (host === "") return undefined;
      let port = head.port;
      if (!(port > 0)) port = splitHostPort(head.host).port ?? defaultPort(head.scheme);
      const found = pick(exact.get(`${host}:${port}`), head) ?? pick(exact.get(host), head);
      if (found !== undefined || !hasWildcards) return found;
      // Longest suffix first: `*.eu.example.com` beats `*.example.com`.
      let dot = host.indexOf(".");
      while (dot !== -1) {
        const suffix = host.slice(dot + 1);
        const hit = pick(wildcard.get(`${suffix}:${port}`), head) ?? pick(wildcard.get(suffix), head);
        if (hit !== undefined) return hit;
        dot = host.indexOf(".", dot + 1);
      }
      return undefined;
    },
  };
}

/**
 * Dummy values `tf run` puts in the agent's environment so SDKs start: every
 * built-in dummy variable of each configured type (`GITHUB_TOKEN`,
 * `STRIPE_SECRET_KEY`, …) and each `credential.env`, set to
 * `tf_dummy_<connector name>`. Deterministic; the first connector to name a
 * variable wins. The gateway strips these values and injects the real ones.
 */
export function dummyEnvFor(configs: readonly ConnectorConfig[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const config of configs) {
    const definition = (builtInConnectors as Partial<Record<string, ConnectorDefinition>>)[config.type];
    if (definition === undefined) continue;
    const name = (config.name ?? config.type).toLowerCase().replace(/[^a-z0-9_]/g, "_");
    const vars = [...definition.dummyEnv];
    if (config.credential?.env !== undefined) vars.push(config.credential.env);
    for (const v of vars) {
      if (ENV_NAME.test(v) && !Object.hasOwn(out, v)) out[v] = `tf_dummy_${name}`;
    }
  }
  return out;
}
