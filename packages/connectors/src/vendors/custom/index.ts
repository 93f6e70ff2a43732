import type { ConnectorConfig, CustomRoute, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, RequestHead, ResolvedConnectorConfig, RouteSpec } from "../../types.ts";
import {
  failure,
  isReadMethod,
  methodSegment,
  pathSegmentsOf,
  rawQueryOf,
  single,
  websocketAction,
} from "../../util/actions.ts";
import { parseQuery } from "../../util/body.ts";
import { joinSegments, normalizeHost } from "../../util/path.ts";
import { actionFromRoute, routeNeedsBody } from "../../util/route-action.ts";
import { checkRouteTemplate, compileRoutes, lowerCaseTemplate, type RouteTable } from "../../util/routes.ts";

/** A problem in a connector config, with its path inside the config. */
export interface ConfigProblem {
  /** Relative to the connector: `routes[2].path`, `action_prefix`. */
  path: string;
  message: string;
}

const ACTION = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const METHOD = /^([A-Za-z]{1,32}|\*)$/;

/**
 * Checks a custom connector's `action_prefix` and routes (method token or
 * `*`, path template, action name). Returns every problem found.
 */
export function checkCustomConfig(config: ConnectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.action_prefix !== undefined && !ACTION.test(config.action_prefix)) {
    problems.push({
      path: "action_prefix",
      message: `action prefix \`${config.action_prefix}\` may only hold letters, digits, \`_\`, \`-\` and dots between them`,
    });
  }
  (config.routes ?? []).forEach((route, i) => {
    if (!METHOD.test(route.method)) {
      problems.push({
        path: `routes[${i}].method`,
        message: `method \`${route.method}\` is not an HTTP method or \`*\``,
      });
    }
    const template = checkRouteTemplate(route.path);
    if (template !== undefined) problems.push({ path: `routes[${i}].path`, message: template });
    if (!ACTION.test(route.action)) {
      problems.push({
        path: `routes[${i}].action`,
        message: `action \`${route.action}\` may only hold letters, digits, \`_\`, \`-\` and dots between them`,
      });
    }
  });
  return problems;
}

/** The route table of a custom connector, compiled once. */
export interface CompiledCustomConnector {
  prefix: string;
  table: RouteTable<RouteSpec>;
}

const compiled = new WeakMap<ConnectorConfig, CompiledCustomConnector>();

/**
 * Compiles (once per config object; later calls hit a cache) a custom
 * connector's routes: methods upper-cased, `read` defaulting to the method
 * being GET/HEAD/OPTIONS, `risk` to low for reads and medium otherwise.
 * Assumes `checkCustomConfig` found no problem.
 */
export function compileCustomConnector(config: ResolvedConnectorConfig): CompiledCustomConnector {
  const cached = compiled.get(config);
  if (cached !== undefined) return cached;
  const specs = (config.routes ?? []).map((route: CustomRoute): RouteSpec => {
    const method = route.method === "*" ? "*" : route.method.toUpperCase();
    // A `*` route without `read` takes it from each request's method.
    const read = route.read ?? (method === "*" ? undefined : isReadMethod(method));
    const spec: RouteSpec = {
      method,
      // Static segments match case-insensitively (parameters keep their case).
      path: lowerCaseTemplate(route.path),
      action: route.action,
      risk: route.risk ?? (read === true ? "low" : "medium"),
    };
    if (read !== undefined) spec.read = read;
    if (route.body_fields !== undefined) spec.bodyFields = route.body_fields;
    if (route.query_fields !== undefined) spec.queryFields = route.query_fields;
    return spec;
  });
  const result = { prefix: config.action_prefix ?? config.name, table: compileRoutes(specs) };
  compiled.set(config, result);
  return result;
}

function matchRoute(table: RouteTable<RouteSpec>, method: string, segments: string[]) {
  const m = method.toUpperCase();
  const lowered = segments.map((s) => s.toLowerCase());
  return (
    table.match(m, lowered, segments) ?? (m === "HEAD" ? table.match("GET", lowered, segments) : undefined)
  );
}

/**
 * A connector written as data in the policy document (`type: custom`):
 * `routes` map a method and a path template (`{name}` segments, a trailing
 * `{rest*}` or `*`) to an action, copying `body_fields` (dotted paths, JSON or
 * form bodies) and `query_fields` into parameters alongside the path
 * parameters. Actions are prefixed with `action_prefix` (default: the name)
 * unless they already start with it. A request no route matches becomes
 * `<prefix>.unmatched.<method>` (medium risk) so the policy decides.
 * Credential: `authorization: Bearer {secret}` unless the config overrides it.
 */
export const customConnector: ConnectorDefinition = {
  type: "custom",
  defaultDomains: [],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: [],
  needsBody(head: RequestHead, config: ResolvedConnectorConfig): boolean {
    if (head.upgrade === true) return false;
    const path = pathSegmentsOf(head);
    if (!path.ok) return false;
    const match = matchRoute(compileCustomConnector(config).table, head.method, path.segments);
    return match !== undefined && routeNeedsBody(match.spec);
  },
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    const { prefix, table } = compileCustomConnector(config);
    const query = parseQuery(rawQueryOf(request));
    if (request.upgrade === true)
      return websocketAction(`${prefix}.websocket.connect`, config.name, request, query);
    const path = pathSegmentsOf(request);
    if (!path.ok) return path.result;
    const host = normalizeHost(request.host);
    const normalized = joinSegments(path.segments);
    const match = matchRoute(table, request.method, path.segments);
    if (match !== undefined) {
      return actionFromRoute(match, request, {
        connector: config.name,
        actionPrefix: prefix,
        resource: `${host}${normalized}`,
        query,
      });
    }
    const method = methodSegment(request.method);
    if (method === undefined) return failure("bad_request", "the request method is not a valid token");
    return single({
      type: `${prefix}.unmatched.${method}`,
      connector: config.name,
      resource: `${host}${normalized}`,
      parameters: { host, path: normalized, query },
      risk: "medium",
      read: isReadMethod(request.method),
    });
  },
};
