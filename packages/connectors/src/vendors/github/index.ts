import type { CredentialInjection, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorDefinition, RequestHead, ResolvedConnectorConfig } from "../../types.ts";
import {
  failure,
  isReadMethod,
  methodSegment,
  pathSegmentsOf,
  rawQueryOf,
  single,
  websocketAction,
} from "../../util/actions.ts";
import { parseJsonBody, parseQuery } from "../../util/body.ts";
import { joinSegments, normalizeHost, normalizePathSegments } from "../../util/path.ts";
import { actionFromRoute, routeNeedsBody } from "../../util/route-action.ts";
import { compileRoutes, fillTemplate } from "../../util/routes.ts";
import { parseGraphqlRequest } from "../graphql/request.ts";
import { type GitRequest, gitActions, gitRequestOf } from "./git.ts";
import { githubNumericParams, githubRoutes } from "./routes.ts";

export { type GitRequest, gitRequestOf, maxRefUpdates, parseReceivePack, type RefUpdate } from "./git.ts";
export { githubRoutes } from "./routes.ts";

const table = compileRoutes(githubRoutes);

/** github.com serves git smart-HTTP (and the web UI); the API lives on api.github.com. */
const GIT_ONLY_HOSTS = new Set(["github.com", "www.github.com"]);

/** How git smart-HTTP authenticates: Basic with `x-access-token` and the token. */
export const githubGitInjection: CredentialInjection = {
  header: "authorization",
  format: "Basic {basic:x-access-token}",
  strip: ["authorization"],
};

type Classified =
  | { kind: "git"; git: GitRequest }
  | { kind: "graphql" }
  | { kind: "rest"; segments: string[] }
  | { kind: "outside" }
  | { kind: "invalid"; result: ParseResult };

function baseSegments(config: ResolvedConnectorConfig): string[] | undefined {
  if (config.base_path === undefined) return undefined;
  return (normalizePathSegments(config.base_path) ?? []).map((s) => s.toLowerCase());
}

function hasPrefix(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i]?.toLowerCase() !== prefix[i]) return false;
  return true;
}

/**
 * Where a request lands: git smart-HTTP, GraphQL (`/graphql`, or for a
 * `base_path` of `/api/v3` the Enterprise `/api/graphql`), a REST path
 * (relative to `base_path`), or outside what this connector serves.
 */
function classify(
  head: RequestHead,
  config: ResolvedConnectorConfig,
  query: Record<string, string | string[]>,
): Classified {
  const path = pathSegmentsOf(head);
  if (!path.ok) return { kind: "invalid", result: path.result };
  const segments = path.segments;
  const git = gitRequestOf(head.method, segments, query);
  if (git !== undefined) return { kind: "git", git };
  if (GIT_ONLY_HOSTS.has(normalizeHost(head.host))) return { kind: "outside" };
  // Static parts compare case-insensitively: reading `/GraphQL` or `/API/V3`
  // as the server may is safer than letting them fall through.
  const base = baseSegments(config);
  if (base === undefined) {
    if (segments.length === 1 && segments[0]?.toLowerCase() === "graphql") return { kind: "graphql" };
    return { kind: "rest", segments };
  }
  const graphql = [...base.slice(0, -1), "graphql"];
  if (hasPrefix(segments, graphql) && segments.length === graphql.length) return { kind: "graphql" };
  if (!hasPrefix(segments, base)) return { kind: "outside" };
  return { kind: "rest", segments: segments.slice(base.length) };
}

/**
 * Whether this connector serves the path on that host: used by the registry to
 * narrow an Enterprise host to `base_path`, its GraphQL endpoint and git
 * smart-HTTP, and github.com to git smart-HTTP.
 */
export function githubServes(head: RequestHead, config: ResolvedConnectorConfig): boolean {
  const kind = classify(head, config, parseQuery(rawQueryOf(head))).kind;
  return kind !== "outside" && kind !== "invalid";
}

/** Owner, repository, organisation and user names are case-insensitive on GitHub. */
function foldCase(segments: string[]): string[] {
  const out = segments.slice();
  const head = out[0]?.toLowerCase();
  if (head === "repos") {
    if (out[1] !== undefined) out[1] = out[1].toLowerCase();
    if (out[2] !== undefined) out[2] = out[2].toLowerCase();
  } else if (head === "orgs" || head === "users") {
    if (out[1] !== undefined) out[1] = out[1].toLowerCase();
  }
  return out;
}

/**
 * Matches case-insensitively (static segments), reading parameters from the
 * case-folded request segments: owner and repository lower-cased, refs and
 * file paths as sent. HEAD falls back to the GET route.
 */
function matchRoute(method: string, segments: string[]) {
  const m = method.toUpperCase();
  const lowered = segments.map((s) => s.toLowerCase());
  return (
    table.match(m, lowered, segments) ?? (m === "HEAD" ? table.match("GET", lowered, segments) : undefined)
  );
}

/**
 * GitHub: the REST API on api.github.com (and uploads.github.com), an
 * Enterprise server on configured domains under `base_path` (`/api/v3`),
 * GraphQL at `/graphql` (`github.graphql.<type>.<operation>`), and git
 * smart-HTTP on github.com (`github.repo.fetch`, `github.repo.push`, one
 * action per pushed ref). REST routes are in `githubRoutes`; an unknown route
 * is `github.api.<method>` (low risk for reads, medium for writes) rather than
 * a parse error, so the policy decides. Owner, repository, organisation and
 * user names are lower-cased in parameters and resources. A truncated body is
 * `body_truncated` only where the body decides the action or its parameters.
 * Credential: `authorization: Bearer {secret}` for the API, Basic
 * `x-access-token:{secret}` for git.
 */
export const githubConnector: ConnectorDefinition = {
  type: "github",
  defaultDomains: ["api.github.com", "uploads.github.com", "github.com"],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: ["GITHUB_TOKEN", "GH_TOKEN"],
  needsBody(head: RequestHead, config: ResolvedConnectorConfig): boolean {
    if (head.upgrade === true) return false;
    const c = classify(head, config, parseQuery(rawQueryOf(head)));
    if (c.kind === "git") return c.git.service === "git-receive-pack" && c.git.phase === "rpc";
    if (c.kind === "graphql") return head.method.toUpperCase() === "POST";
    if (c.kind !== "rest") return false;
    const match = matchRoute(head.method, foldCase(c.segments));
    return match !== undefined && routeNeedsBody(match.spec);
  },
  injectionFor(head: RequestHead, config: ResolvedConnectorConfig): CredentialInjection | undefined {
    const c = classify(head, config, parseQuery(rawQueryOf(head)));
    return c.kind === "git" ? githubGitInjection : undefined;
  },
  parse(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
    const connector = config.name;
    const query = parseQuery(rawQueryOf(request));
    if (request.upgrade === true)
      return websocketAction("github.websocket.connect", connector, request, query);
    const c = classify(request, config, query);
    if (c.kind === "invalid") return c.result;
    if (c.kind === "git") return gitActions(c.git, request, connector);
    if (c.kind === "graphql") return parseGraphqlRequest(request, "github", connector, query);
    const segments = c.kind === "rest" ? foldCase(c.segments) : foldCase(pathSegmentsOfOrEmpty(request));
    const match = c.kind === "rest" ? matchRoute(request.method, segments) : undefined;
    if (match !== undefined) {
      return actionFromRoute(match, request, {
        connector,
        resource: fillTemplate(match.spec.path, match.params),
        query,
        numericParams: githubNumericParams,
        // GitHub reads JSON whatever the content type says, so the connector does too.
        decodeBody: parseJsonBody,
      });
    }
    const method = methodSegment(request.method);
    if (method === undefined) return failure("bad_request", "the request method is not a valid token");
    const resource = joinSegments(segments).slice(1);
    const read = isReadMethod(request.method);
    const parameters: Record<string, unknown> = { path: `/${resource}`, query };
    if (segments[0] === "repos" && segments[1] !== undefined && segments[2] !== undefined) {
      parameters.owner = segments[1];
      parameters.repo = segments[2];
    } else if (segments[0] === "orgs" && segments[1] !== undefined) {
      parameters.org = segments[1];
    }
    return single({
      type: `github.api.${method}`,
      connector,
      resource,
      parameters,
      risk: read ? "low" : "medium",
      read,
    });
  },
};

function pathSegmentsOfOrEmpty(request: RequestSnapshot): string[] {
  return normalizePathSegments(request.path) ?? [];
}
