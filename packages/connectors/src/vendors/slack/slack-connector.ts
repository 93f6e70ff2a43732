import type { Action, ParseResult, RequestSnapshot, RiskLevel } from "@tameflare/contracts";
import type { ConnectorDefinition, ResolvedConnectorConfig } from "../../types.ts";
import { parseForm, parseQuery } from "../../util/body.ts";
import { normalizeHost } from "../../util/path.ts";
import {
  clip,
  contentType,
  copyScalar,
  type Failure,
  fail,
  httpVerb,
  isMultipart,
  isReadMethod,
  isRecord,
  locate,
  maxParameterLength,
  maxResourceLength,
  parseJson,
} from "../../util/vendor-kit.ts";
import { adminMethod, type SlackMethod, slackMethods } from "./slack-methods.ts";

/** Incoming webhooks live on their own host; the last path segment is the webhook's secret. */
const hooksHost = "hooks.slack.com";
const webhookKinds = new Set(["services", "workflows", "triggers"]);

/**
 * Arguments copied into parameters: ids, names and flags only. Message text,
 * blocks, attachments and the `token` argument never are (content and secrets).
 */
export const slackArgumentFields = [
  "channel",
  "channels",
  "user",
  "users",
  "name",
  "ts",
  "thread_ts",
  "is_private",
  "file",
] as const;

/**
 * Slack (slack.com `/api/<method>`, hooks.slack.com incoming webhooks). Web API
 * methods map to `slack.<resource>.<verb>` (`chat.postMessage` →
 * `slack.message.send`), `admin.*` to high-risk `slack.admin.<rest>`, and a
 * webhook POST to `slack.webhook.send`. Arguments are read from the query
 * string and the body (form or JSON), as Slack reads both.
 *
 * Only the `authorization` header is replaced. Slack also accepts a `token`
 * argument in the body or query; it is not stripped, because rewriting a
 * streamed body would mean buffering it whole. That token is the agent's dummy
 * value (the agent never holds the real one), so at worst Slack rejects the
 * call; it can never carry more privilege than the injected credential.
 * Pure and total: every input yields a value.
 */
export const slackConnector: ConnectorDefinition = {
  type: "slack",
  defaultDomains: ["slack.com", hooksHost],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: ["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
  needsBody(head, config) {
    if (isReadMethod(head.method.toUpperCase()) || isMultipart(head)) return false;
    if (normalizeHost(head.host) === hooksHost) return false;
    return locate(head, config)?.[0]?.toLowerCase() === "api";
  },
  parse(request, config) {
    return parseSlack(request, config);
  },
};

function parseSlack(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
  const segments = locate(request, config);
  if (segments === undefined) {
    return fail(
      "bad_request",
      `path \`${clip(request.path)}\` is not a valid request path (malformed percent-escape or raw \`#\`)`,
    );
  }
  const method = request.method.toUpperCase();
  if (normalizeHost(request.host) === hooksHost) return webhook(method, segments, config);

  const query = parseQuery(request.query);
  const name = methodName(segments, query);
  const known = name === undefined ? undefined : (slackMethods.get(name.toLowerCase()) ?? adminMethod(name));
  const unknown = known === undefined || method === "OPTIONS";

  const parameters: Record<string, unknown> = {};
  if (name !== undefined && method !== "OPTIONS") {
    const args = collectArguments(request, query, parameters, !unknown);
    if (args !== undefined) return args;
    copyScalar(parameters, "method", known?.name ?? name);
  }

  const resource = resourceOf(parameters, known, name, segments);
  if (resource.length > maxResourceLength) {
    return fail("bad_request", `the request path is longer than ${maxResourceLength} characters`);
  }
  const action: Action = unknown
    ? { ...unknownAction(method, config), resource, parameters }
    : {
        type: known.action,
        connector: config.name,
        resource,
        parameters,
        risk: known.risk,
        read: known.read,
      };
  return { ok: true, actions: [action] };
}

/**
 * `/api/chat.postMessage`; a bare `/api` with a `method` query argument is
 * classified as that method, so whatever Slack makes of such a request, the
 * policy of the named method applies.
 */
function methodName(
  segments: readonly string[],
  query: Record<string, string | string[]>,
): string | undefined {
  if (segments[0]?.toLowerCase() !== "api") return undefined;
  if (segments.length === 2) return segments[1];
  const fromQuery = query.method;
  return segments.length === 1 && typeof fromQuery === "string" && fromQuery !== "" ? fromQuery : undefined;
}

/**
 * Anything Slack does not document (an unknown method, another path):
 * `slack.api.<http method>`, medium risk and never a read, because Slack does
 * not follow HTTP semantics (GET can write). A CORS preflight (OPTIONS) is a read.
 */
function unknownAction(
  method: string,
  config: ResolvedConnectorConfig,
): Omit<Action, "resource" | "parameters"> {
  const preflight = method === "OPTIONS";
  const risk: RiskLevel = preflight ? "low" : "medium";
  return { type: `slack.api.${httpVerb(method)}`, connector: config.name, risk, read: preflight };
}

const resourceFields = [
  ["channel", "channels"],
  ["user", "users"],
  ["file", "files"],
] as const;

/** `channels/C123`, else `users/U123`, else `files/F123`, else `methods/chat.postMessage`. */
function resourceOf(
  parameters: Record<string, unknown>,
  known: SlackMethod | undefined,
  name: string | undefined,
  segments: readonly string[],
): string {
  for (const [field, collection] of resourceFields) {
    const value = parameters[field];
    if (typeof value === "string" && value !== "") return `${collection}/${value}`;
  }
  if (known !== undefined) return `methods/${known.name}`;
  if (name !== undefined) return `methods/${name.slice(0, maxParameterLength)}`;
  return segments.join("/");
}

/**
 * POST to an incoming webhook (`/services/T…/B…/<secret>`, Workflow Builder
 * `/workflows/…` and `/triggers/…`) is `slack.webhook.send`. The resource
 * drops the last segment, which is the webhook's secret, and the body (the
 * message) is never read.
 */
function webhook(method: string, segments: readonly string[], config: ResolvedConnectorConfig): ParseResult {
  const resource = segments.slice(0, Math.max(1, segments.length - 1)).join("/");
  if (resource.length > maxResourceLength) {
    return fail("bad_request", `the request path is longer than ${maxResourceLength} characters`);
  }
  const kind = segments[0]?.toLowerCase() ?? "";
  const parameters: Record<string, unknown> = {};
  if (segments.length >= 3) copyScalar(parameters, "team", segments[1]);
  if (method !== "POST" || !webhookKinds.has(kind) || segments.length < 3) {
    return { ok: true, actions: [{ ...unknownAction(method, config), resource, parameters }] };
  }
  return {
    ok: true,
    actions: [
      {
        type: "slack.webhook.send",
        connector: config.name,
        resource,
        parameters,
        risk: "medium",
        read: false,
      },
    ],
  };
}

/**
 * Copies the argument fields from the query string and the body. A field given
 * twice (a repeated key, or query and body disagreeing) is ambiguous and
 * rejected: which one Slack uses is not ours to guess. A truncated body leaves
 * body arguments out and sets `body_truncated: true`: no Slack action depends
 * on its body, only its parameters do. Multipart bodies (legacy `files.upload`)
 * are never read.
 */
function collectArguments(
  request: RequestSnapshot,
  query: Record<string, string | string[]>,
  into: Record<string, unknown>,
  known: boolean,
): Failure | undefined {
  let body: Record<string, unknown> | undefined;
  let form = false;
  const text = request.body?.text ?? "";
  if (text !== "" && request.body?.truncated === true) {
    into.body_truncated = true;
  } else if (text !== "" && !isReadMethod(request.method.toUpperCase())) {
    const type = contentType(request);
    if (type === null) return fail("bad_request", "conflicting `content-type` headers");
    if (type.includes("json")) {
      const json = parseJson(text);
      if (!json.ok && known) return json;
      body = json.ok && isRecord(json.value) ? json.value : undefined;
    } else if (!type.includes("multipart/")) {
      body = parseForm(text);
      form = true;
    }
  }

  let channelId: unknown;
  if (body !== undefined) {
    for (const field of Object.keys(body)) {
      if (!argumentFields.has(field)) continue;
      const inBody = body[field];
      const problem = ambiguity(field, inBody, query[field], form);
      if (problem !== undefined) return problem;
      if (field === "channel_id") channelId = inBody;
      else copyArgument(into, field, inBody);
    }
  }
  for (const field in query) {
    if (!argumentFields.has(field) || (body !== undefined && Object.hasOwn(body, field))) continue;
    const problem = ambiguity(field, undefined, query[field], form);
    if (problem !== undefined) return problem;
    if (field === "channel_id") channelId = query[field];
    else copyArgument(into, field, query[field]);
  }
  // `files.completeUploadExternal` and bookmarks name their channel `channel_id`.
  if (channelId !== undefined) {
    if (into.channel !== undefined && into.channel !== channelId) {
      return fail("bad_body", "arguments `channel` and `channel_id` disagree");
    }
    copyScalar(into, "channel", channelId);
  }
  return undefined;
}

/** Argument fields plus `channel_id`, which becomes `channel`. */
const argumentFields: ReadonlySet<string> = new Set([...slackArgumentFields, "channel_id"]);

/** A field given twice (repeated form or query key, or body and query disagreeing) is ambiguous. */
function ambiguity(field: string, inBody: unknown, inQuery: unknown, form: boolean): Failure | undefined {
  // In a form a repeated key becomes an array; in JSON an array is just a (non-scalar) value.
  if (Array.isArray(inQuery) || (form && Array.isArray(inBody))) {
    return fail("bad_body", `argument \`${field}\` is given more than once`);
  }
  if (inBody !== undefined && inQuery !== undefined && inBody !== inQuery) {
    return fail("bad_body", `argument \`${field}\` differs between the body and the query string`);
  }
  return undefined;
}

function copyArgument(into: Record<string, unknown>, field: string, value: unknown): void {
  copyScalar(into, field, field === "is_private" ? flag(value) : value);
}

/** Form flags are strings: `true`/`1` and `false`/`0` become booleans. */
function flag(value: unknown): unknown {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return value;
}
