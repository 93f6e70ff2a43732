// Shared by the openai, anthropic, stripe and slack connectors: each vendor
// folder carries an identical copy of this file (their owner may not edit
// `src/util`), ready to move there as one module.
import type { Action, ParseResult, RequestSnapshot, RiskLevel } from "@tameflare/contracts";
import type { RequestHead, ResolvedConnectorConfig, RouteSpec } from "../types.ts";
import { parseQuery } from "./body.ts";
import { normalizePathSegments } from "./path.ts";
import { compileRoutes } from "./routes.ts";

/** A parse failure value. */
export type Failure = Extract<ParseResult, { ok: false }>;

/** A matched route: its spec, path ids with their original case, and a canonical resource. */
export interface VendorMatch<S extends RouteSpec> {
  spec: S;
  params: Record<string, string>;
  /** The template filled with the request's ids, without the version prefix: `charges/ch_123`. */
  resource: string;
}

/** A vendor route table matched case-insensitively. */
export interface VendorRoutes<S extends RouteSpec> {
  match(method: string, segments: readonly string[]): VendorMatch<S> | undefined;
}

type TemplatePart = { static: string } | { param: string; rest: boolean };

/**
 * Compiles a vendor table (templates with lower-case static segments) once.
 * Matching lower-cases the request's segments, because `/V1/REFUNDS` must not
 * dodge the refund rules if the upstream routes case-insensitively; ids are then
 * read back from the original segments, and the resource is rebuilt from the
 * template (canonical case) without a leading `prefix` segment such as `v1`.
 * HEAD is matched as GET. Templates are grouped by their first two static
 * segments (`v1/charges`), so a lookup only scans its resource's few routes;
 * a template whose second segment is a parameter ranks after them, as it would
 * in one table.
 */
export function compileVendorRoutes<S extends RouteSpec>(
  routes: readonly S[],
  prefix: string,
): VendorRoutes<S> {
  const templates = new Map<S, TemplatePart[]>();
  const grouped = new Map<string, Map<string, S[]>>();
  const dynamic: S[] = [];
  for (const spec of routes) {
    const parts = spec.path
      .split("/")
      .filter((s) => s !== "")
      .map((s): TemplatePart => {
        const m = /^\{([A-Za-z0-9_]+)(\*)?\}$/.exec(s);
        return m ? { param: m[1] as string, rest: m[2] === "*" } : { static: s };
      });
    templates.set(spec, parts);
    const [first, second] = parts;
    if (first !== undefined && second !== undefined && "static" in first && "static" in second) {
      const bySecond = grouped.get(first.static) ?? new Map<string, S[]>();
      bySecond.set(second.static, [...(bySecond.get(second.static) ?? []), spec]);
      grouped.set(first.static, bySecond);
    } else {
      dynamic.push(spec);
    }
  }
  const tables = new Map(
    [...grouped].map(([first, bySecond]) => [
      first,
      new Map([...bySecond].map(([second, specs]) => [second, compileRoutes(specs as readonly RouteSpec[])])),
    ]),
  );
  const fallback = compileRoutes(dynamic as readonly RouteSpec[]);
  return {
    match(method, segments) {
      const lookup = method === "HEAD" ? "GET" : method;
      const lower = segments.map((s) => s.toLowerCase());
      const group = tables.get(lower[0] ?? "")?.get(lower[1] ?? "");
      const hit = group?.match(lookup, lower) ?? fallback.match(lookup, lower);
      if (hit === undefined) return undefined;
      const spec = hit.spec as S;
      const params: Record<string, string> = {};
      const parts: string[] = [];
      const template = templates.get(spec) ?? [];
      for (let i = 0; i < template.length; i++) {
        const part = template[i] as TemplatePart;
        if ("static" in part) {
          if (i > 0 || part.static !== prefix) parts.push(part.static);
          continue;
        }
        const value = part.rest ? segments.slice(i).join("/") : (segments[i] ?? "");
        params[part.param] = value;
        parts.push(value);
      }
      return { spec, params, resource: parts.join("/") };
    },
  };
}

/**
 * The request path as decoded segments, after the configured `base_path` (a
 * path outside the base path is returned whole, so it matches nothing and
 * becomes `<vendor>.api.<method>`). Undefined for malformed escapes.
 */
export function locate(head: RequestHead, config: ResolvedConnectorConfig): string[] | undefined {
  const segments = normalizePathSegments(head.path);
  if (segments === undefined || config.base_path === undefined) return segments;
  const base = normalizePathSegments(config.base_path) ?? [];
  for (let i = 0; i < base.length; i++) {
    if (segments[i] !== base[i]) return segments;
  }
  return segments.slice(base.length);
}

/** The resource of an unmatched path: its segments without a leading `prefix`. */
export function rawResource(segments: readonly string[], prefix: string): string {
  return (segments[0]?.toLowerCase() === prefix ? segments.slice(1) : segments).join("/");
}

/** Actions carry a readable resource; a path longer than this is refused. */
export const maxResourceLength = 2048;

const verbPattern = /^[a-z]{1,16}$/;

/** `get`, `post`, … for `<vendor>.api.<verb>`; `other` for anything odd, so types stay bounded. */
export function httpVerb(method: string): string {
  const lower = method.toLowerCase();
  return verbPattern.test(lower) ? lower : "other";
}

/** GET, HEAD and OPTIONS do not change anything upstream. */
export function isReadMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/** A header's value; `null` when it is repeated with different values (ambiguous). */
export function singleHeader(head: Pick<RequestHead, "headers">, name: string): string | undefined | null {
  const value = head.headers[name];
  if (!Array.isArray(value)) return value;
  const first = value[0];
  return value.every((v) => v === first) ? first : null;
}

/** Lower-cased content type (`""` when absent); `null` when repeated headers disagree. */
export function contentType(head: RequestHead): string | null {
  const header = singleHeader(head, "content-type");
  if (header === null) return null;
  return (head.contentType ?? header ?? "").toLowerCase();
}

/** True for multipart bodies (file and audio uploads), which connectors never read. */
export function isMultipart(head: RequestHead): boolean {
  return (contentType(head) ?? "").includes("multipart/");
}

/** Parses JSON text; a failure is a `bad_body` value. */
export function parseJson(text: string): { ok: true; value: unknown } | Failure {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (cause) {
    return fail("bad_body", `the JSON body is not valid: ${(cause as Error).message}`);
  }
}

/** A plain (non-array) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A failure value with a one-sentence message. */
export function fail(code: Failure["code"], message: string): Failure {
  return { ok: false, code, message };
}

/** User input quoted in an error message, cut to a readable length. */
export function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Longest string a body field keeps as a parameter; longer values are cut and marked. */
export const maxParameterLength = 256;

/**
 * Copies a JSON scalar into parameters. Objects and arrays are skipped (a
 * parameter is an id, a number or a flag, never content); long strings are cut
 * to `maxParameterLength` and end with `…`, so they can never equal a short
 * allow-listed value.
 */
export function copyScalar(into: Record<string, unknown>, name: string, value: unknown): void {
  if (typeof value === "string") {
    into[name] = value.length > maxParameterLength ? `${value.slice(0, maxParameterLength)}…` : value;
  } else if (typeof value === "number" || typeof value === "boolean" || value === null) {
    into[name] = value;
  }
}

/** The distinct `type` strings of a `tools` array (`function`, `web_search`, …), at most 32. */
export function toolTypes(tools: unknown): string[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const types = new Set<string>();
  for (const tool of tools) {
    const type = isRecord(tool) ? tool.type : undefined;
    types.add(typeof type === "string" ? type.slice(0, maxParameterLength) : "custom");
    if (types.size >= 32) break;
  }
  return [...types];
}

/** A route of a JSON API; `derive` adds parameters computed from the body (`tool_types`). */
export interface JsonRoute extends RouteSpec {
  derive?: (body: Record<string, unknown>) => Record<string, unknown>;
}

/** A JSON API vendor (OpenAI, Anthropic): its table and what unknown writes still expose. */
export interface JsonApi {
  vendor: string;
  table: VendorRoutes<JsonRoute>;
  /** The version segment dropped from resources (`v1`). */
  prefix: string;
  /** Body fields kept on an unknown write whose body is declared JSON (`model`, `stream`). */
  genericFields: readonly string[];
}

/**
 * Known JSON routes always read the body (whatever its declared type, since a
 * lenient upstream parses JSON regardless); unknown writes only when declared
 * JSON; multipart routes (uploads) carry no body fields and never do.
 */
export function jsonApiNeedsBody(api: JsonApi, head: RequestHead, config: ResolvedConnectorConfig): boolean {
  const method = head.method.toUpperCase();
  if (isReadMethod(method)) return false;
  const segments = locate(head, config);
  if (segments === undefined) return false;
  const matched = api.table.match(method, segments);
  if (matched !== undefined) return matched.spec.bodyFields !== undefined;
  return (contentType(head) ?? "").includes("json");
}

/**
 * Parses a request to a JSON API into one action. Known routes with body
 * fields: an invalid JSON body is `bad_body` (the upstream rejects it too); a
 * truncated one leaves the body parameters out and sets `body_truncated: true`
 * (no JSON route's action depends on its body). Unknown routes become
 * `<vendor>.api.<method>` and never fail on their body.
 */
export function parseJsonApi(
  api: JsonApi,
  request: RequestSnapshot,
  config: ResolvedConnectorConfig,
): ParseResult {
  const segments = locate(request, config);
  if (segments === undefined) {
    return fail(
      "bad_request",
      `path \`${clip(request.path)}\` is not a valid request path (malformed percent-escape or raw \`#\`)`,
    );
  }
  const method = request.method.toUpperCase();
  const matched = api.table.match(method, segments);
  const resource = matched?.resource ?? rawResource(segments, api.prefix);
  if (resource.length > maxResourceLength) {
    return fail("bad_request", `the request path is longer than ${maxResourceLength} characters`);
  }
  const parameters: Record<string, unknown> = matched ? { ...matched.params } : {};
  const spec = matched?.spec ?? unknownJsonRoute(api, method, request);

  if (spec.bodyFields !== undefined && request.body !== undefined && request.body.text !== "") {
    if (request.body.truncated) {
      parameters.body_truncated = true;
    } else {
      const json = parseJson(request.body.text);
      if (!json.ok && matched !== undefined) return json;
      const body = json.ok && isRecord(json.value) ? json.value : undefined;
      if (body !== undefined) {
        for (const name of spec.bodyFields) {
          if (Object.hasOwn(body, name)) copyScalar(parameters, name, body[name]);
        }
        if (spec.derive !== undefined) Object.assign(parameters, spec.derive(body));
      }
    }
  }
  if (spec.queryFields !== undefined && request.query !== "") {
    const query = parseQuery(request.query);
    for (const name of spec.queryFields) {
      const value = query[name];
      if (value !== undefined) parameters[name] = value;
    }
  }
  const action: Action = {
    type: spec.action,
    connector: config.name,
    resource,
    parameters,
    risk: spec.risk,
    read: spec.read === true,
  };
  return { ok: true, actions: [action] };
}

/**
 * An unlisted endpoint: `<vendor>.api.<method>`. Reads are low risk, deletes
 * high, other writes medium; a write declared JSON keeps the generic fields.
 */
function unknownJsonRoute(api: JsonApi, method: string, head: RequestHead): JsonRoute {
  const action = `${api.vendor}.api.${httpVerb(method)}`;
  if (isReadMethod(method)) return { method, path: "", action, risk: "low", read: true };
  const risk: RiskLevel = method === "DELETE" ? "high" : "medium";
  const json = (contentType(head) ?? "").includes("json");
  return json
    ? { method, path: "", action, risk, read: false, bodyFields: api.genericFields }
    : { method, path: "", action, risk, read: false };
}
