import type { Action, ParseErrorCode, ParseResult, RequestSnapshot, RiskLevel } from "@tameflare/contracts";
import { normalizeHost, normalizePathSegments } from "./path.ts";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** GET, HEAD and OPTIONS are reads; every other method may change something. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

/** Default risk of a plain HTTP method: reads low, DELETE high, other writes medium. */
export function methodRisk(method: string): RiskLevel {
  const m = method.toUpperCase();
  if (READ_METHODS.has(m)) return "low";
  return m === "DELETE" ? "high" : "medium";
}

/**
 * A method as an action-name segment: lower-case HTTP token characters only
 * (letters, digits, `-`, `_`), at most 32. Undefined otherwise, so a method
 * can never inject `.` or `*` into an action type.
 */
export function methodSegment(method: string): string | undefined {
  const m = method.toLowerCase();
  return /^[a-z0-9_-]{1,32}$/.test(m) ? m : undefined;
}

/** A successful parse with one action. */
export function single(action: Action): ParseResult {
  return { ok: true, actions: [action] };
}

/** A failed parse. */
export function failure(code: ParseErrorCode, message: string): ParseResult {
  return { ok: false, code, message };
}

/** The normalised path segments of a request, or the failure to report. */
export function pathSegmentsOf(
  request: Pick<RequestSnapshot, "path">,
): { ok: true; segments: string[] } | { ok: false; result: ParseResult } {
  const segments = normalizePathSegments(request.path);
  if (segments === undefined) {
    return { ok: false, result: failure("bad_request", "the request path has a malformed escape or a `#`") };
  }
  return { ok: true, segments };
}

/** The query part of a snapshot (tolerates a path that still carries `?…`). */
export function rawQueryOf(request: Pick<RequestSnapshot, "path" | "query">): string {
  if (request.query !== "") return request.query;
  const q = request.path.indexOf("?");
  return q === -1 ? "" : request.path.slice(q + 1);
}

/**
 * The action every connector yields for a WebSocket upgrade:
 * `<namespace>.websocket.connect` (medium risk, not a read: a socket can carry
 * anything), with the path and query as parameters.
 */
export function websocketAction(
  type: string,
  connector: string,
  request: Pick<RequestSnapshot, "host" | "path" | "query">,
  query: Record<string, string | string[]>,
): ParseResult {
  const segments = normalizePathSegments(request.path);
  if (segments === undefined)
    return failure("bad_request", "the request path has a malformed escape or a `#`");
  const path = `/${segments.join("/")}`;
  return single({
    type,
    connector,
    resource: `${normalizeHost(request.host)}${path}`,
    parameters: { path, query },
    risk: "medium",
    read: false,
  });
}
