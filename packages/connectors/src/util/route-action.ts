import type { Action, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { RouteSpec } from "../types.ts";
import { failure, isReadMethod, single } from "./actions.ts";
import { type BodyParse, clampValue, parseBody, pick, setPath } from "./body.ts";
import type { RouteMatch } from "./routes.ts";

/** How `actionFromRoute` builds an action from a matched route. */
export interface RouteActionOptions {
  connector: string;
  /** Prefix put before the route's action when it does not already start with it (`linear`). */
  actionPrefix?: string;
  resource: string;
  query: Record<string, string | string[]>;
  /** Path parameters turned into numbers when they are decimal integers (`number`, `release_id`). */
  numericParams?: ReadonlySet<string>;
  /** Body decoder: `parseBody` (by content type) unless given. */
  decodeBody?: (request: RequestSnapshot) => BodyParse;
}

/** True when the route's action depends on the request body. */
export function routeNeedsBody(spec: Pick<RouteSpec, "bodyFields" | "usesBody">): boolean {
  return spec.usesBody === true || (spec.bodyFields !== undefined && spec.bodyFields.length > 0);
}

/**
 * Builds the action of a matched route. Parameters are, in increasing
 * precedence: body fields, query fields, path parameters (so a body cannot
 * override what the URL says), then what `refine` returns. The body is decoded
 * only when the route needs it; a truncated or malformed body the route needs
 * is a failure (`body_truncated` / `bad_body`), never a guess.
 */
export function actionFromRoute(
  match: RouteMatch<RouteSpec>,
  request: RequestSnapshot,
  options: RouteActionOptions,
): ParseResult {
  const spec = match.spec;
  let body: unknown;
  if (routeNeedsBody(spec)) {
    const decoded = (options.decodeBody ?? parseBody)(request);
    if (!decoded.ok) return failure(decoded.code, decoded.message);
    body = decoded.value;
  }
  const parameters: Record<string, unknown> = {};
  if (spec.bodyFields !== undefined && body !== undefined) {
    for (const field of spec.bodyFields) {
      const value = pick(body, field);
      if (value !== undefined) setPath(parameters, field, clampValue(value));
    }
  }
  if (spec.queryFields !== undefined) {
    for (const field of spec.queryFields) {
      const value = options.query[field];
      if (value !== undefined) setPath(parameters, field, value);
    }
  }
  for (const [name, value] of Object.entries(match.params)) {
    const numeric = options.numericParams?.has(name) === true && /^\d{1,15}$/.test(value);
    setPath(parameters, name, numeric ? Number(value) : value);
  }
  const refined = spec.refine?.({ params: match.params, body, query: options.query });
  if (refined?.parameters !== undefined) {
    for (const [k, v] of Object.entries(refined.parameters)) {
      if (v !== undefined) setPath(parameters, k, v);
    }
  }
  const type = refined?.type ?? spec.action;
  const prefix = options.actionPrefix;
  const action: Action = {
    type: prefix === undefined || type.startsWith(`${prefix}.`) ? type : `${prefix}.${type}`,
    connector: options.connector,
    resource: options.resource,
    parameters,
    risk: refined?.risk ?? spec.risk,
    read: refined?.read ?? spec.read ?? isReadMethod(spec.method === "*" ? request.method : spec.method),
  };
  return single(action);
}
