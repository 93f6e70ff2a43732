import type { ParseResult, RequestSnapshot } from "@tameflare/contracts";
import {
  failure,
  isReadMethod,
  methodRisk,
  methodSegment,
  pathSegmentsOf,
  rawQueryOf,
  single,
} from "../../util/actions.ts";
import { parseQuery } from "../../util/body.ts";
import { joinSegments, normalizeHost } from "../../util/path.ts";

/**
 * `<prefix>.<method>` for a plain HTTP request: reads (GET/HEAD/OPTIONS) low,
 * DELETE high, other methods medium; parameters `host`, `path` (normalised:
 * dot segments resolved, escapes decoded) and `query`; resource `host/path`.
 */
export function httpMethodAction(request: RequestSnapshot, prefix: string, connector: string): ParseResult {
  const method = methodSegment(request.method);
  if (method === undefined) return failure("bad_request", "the request method is not a valid token");
  const path = pathSegmentsOf(request);
  if (!path.ok) return path.result;
  const host = normalizeHost(request.host);
  const normalized = joinSegments(path.segments);
  return single({
    type: `${prefix}.${method}`,
    connector,
    resource: `${host}${normalized}`,
    parameters: { host, path: normalized, query: parseQuery(rawQueryOf(request)) },
    risk: methodRisk(request.method),
    read: isReadMethod(request.method),
  });
}
