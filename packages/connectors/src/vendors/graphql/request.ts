import type { Action, ParseResult, RequestSnapshot, RiskLevel } from "@tameflare/contracts";
import { failure } from "../../util/actions.ts";
import {
  clampValue,
  contentTypeOf,
  isRecord,
  parseForm,
  parseJsonBody,
  queryValue,
} from "../../util/body.ts";
import { maxRisk, riskFromName } from "../../util/risk.ts";
import { parseGraphqlOperation } from "./parser.ts";

/** One GraphQL request (a batch holds several). */
interface GraphqlItem {
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  persistedHash: string | undefined;
}

type Items = { ok: true; items: GraphqlItem[] } | { ok: false; result: ParseResult };

/** At most this many operations in one batched request. */
export const maxGraphqlBatch = 100;

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/**
 * Parses a GraphQL-over-HTTP request into one action per operation:
 * `<namespace>.graphql.<query|mutation|subscription>.<name>`, the name being
 * the selected operation's name or, for an anonymous one, its first field.
 * Reads GET `?query=`, POST JSON (single or batched), `application/graphql`
 * and form bodies, and persisted queries (`extensions.persistedQuery`): those
 * without query text become `<namespace>.graphql.persisted.<operationName>`,
 * medium risk, since their type cannot be seen.
 *
 * Parameters are the variables, then (set last, so a variable cannot spoof
 * them) `operation_type`, `operation`, `fields` (every top-level field,
 * fragments followed: operation names are chosen by the client, fields are
 * what runs) and `arguments` (the first field's arguments, variables
 * substituted). Mutations are never reads; their risk is the highest of
 * medium and what the operation and field names suggest.
 */
export function parseGraphqlRequest(
  request: RequestSnapshot,
  namespace: string,
  connector: string,
  query: Record<string, string | string[]>,
): ParseResult {
  const extracted = extractItems(request, query);
  if (!extracted.ok) return extracted.result;
  const actions: Action[] = [];
  for (const item of extracted.items) {
    const built = actionFor(item, namespace, connector);
    if (!built.ok) return built.result;
    actions.push(built.action);
  }
  return { ok: true, actions: actions as [Action, ...Action[]] };
}

function actionFor(
  item: GraphqlItem,
  namespace: string,
  connector: string,
): { ok: true; action: Action } | { ok: false; result: ParseResult } {
  // A fresh copy of the variables, completed in place: an object spread followed
  // by literal properties takes a slow path in V8 (several µs per request).
  const parameters = clampValue(item.variables) as Record<string, unknown>;
  if (item.query === undefined) {
    const name =
      item.operationName !== undefined && NAME.test(item.operationName) ? item.operationName : "anonymous";
    return {
      ok: true,
      action: {
        type: `${namespace}.graphql.persisted.${name}`,
        connector,
        resource: `graphql/${name}`,
        parameters: withMeta(parameters, { operation: name, persisted_query_hash: item.persistedHash ?? "" }),
        risk: "medium",
        read: false,
      },
    };
  }
  const parsed = parseGraphqlOperation(item.query, item.operationName, item.variables);
  if (!parsed.ok) return { ok: false, result: failure("bad_body", parsed.message) };
  const op = parsed.operation;
  const name = op.name ?? op.firstField;
  let risk: RiskLevel = op.type === "mutation" ? "medium" : "low";
  if (op.type === "mutation") {
    risk = maxRisk(risk, riskFromName(name));
    for (const field of op.fields) risk = maxRisk(risk, riskFromName(field));
  }
  return {
    ok: true,
    action: {
      type: `${namespace}.graphql.${op.type}.${name}`,
      connector,
      resource: `graphql/${name}`,
      parameters: withMeta(parameters, {
        operation_type: op.type,
        operation: name,
        fields: clampValue(op.fields),
        arguments: op.arguments,
      }),
      risk,
      read: op.type !== "mutation",
    },
  };
}

/** Sets the meta keys on the parameters, over any variable of the same name. */
function withMeta(
  parameters: Record<string, unknown>,
  meta: Record<string, unknown>,
): Record<string, unknown> {
  for (const key in meta) parameters[key] = meta[key];
  return parameters;
}

function extractItems(request: RequestSnapshot, query: Record<string, string | string[]>): Items {
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD") {
    const item = itemFromStrings(query);
    return item.ok ? checked([item.item]) : item;
  }
  if (method !== "POST") {
    return { ok: false, result: failure("bad_request", `graphql does not accept \`${method}\` requests`) };
  }
  const type = contentTypeOf(request);
  let items: GraphqlItem[];
  if (type.startsWith("application/graphql")) {
    const body = request.body;
    if (body === undefined || body.text === "") return bad("bad_body", "the request has no body");
    if (body.truncated) return bad("body_truncated", "the request body exceeds the inspected prefix");
    const fromUrl = itemFromStrings(query);
    if (!fromUrl.ok) return fromUrl;
    items = [{ ...fromUrl.item, query: body.text, persistedHash: undefined }];
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    const body = request.body;
    if (body?.truncated === true)
      return bad("body_truncated", "the request body exceeds the inspected prefix");
    const form = parseForm(body?.text ?? "");
    const strings: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(form))
      if (typeof v === "string" || Array.isArray(v)) strings[k] = v as string;
    const item = itemFromStrings(strings);
    if (!item.ok) return item;
    items = [item.item];
  } else {
    const decoded = parseJsonBody(request);
    if (!decoded.ok) return bad(decoded.code, decoded.message);
    const raw = decoded.value;
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) return bad("bad_body", "the batch is empty");
    if (list.length > maxGraphqlBatch)
      return bad("bad_body", `the batch holds more than ${maxGraphqlBatch} operations`);
    items = [];
    for (const entry of list) {
      const item = itemFromJson(entry);
      if (!item.ok) return item;
      items.push(item.item);
    }
  }
  // Some servers read `?query=` even on POST; a request that says two different
  // things is refused rather than classified by the half the server may ignore.
  const urlQuery = queryValue(query, "query");
  if (urlQuery !== undefined) {
    if (items.length !== 1) return bad("bad_request", "a batched request cannot also carry `?query=`");
    const only = items[0] as GraphqlItem;
    if (only.query === undefined && only.persistedHash === undefined) only.query = urlQuery;
    else if (only.query !== urlQuery)
      return bad("bad_request", "the URL and the body carry different queries");
  }
  return checked(items);
}

function checked(items: GraphqlItem[]): Items {
  for (const item of items) {
    if (item.query === undefined && item.persistedHash === undefined) {
      return bad("bad_body", "the request carries no query");
    }
  }
  return { ok: true, items };
}

function bad(
  code: "bad_body" | "body_truncated" | "bad_request",
  message: string,
): { ok: false; result: ParseResult } {
  return { ok: false, result: failure(code, message) };
}

type ItemResult = { ok: true; item: GraphqlItem } | { ok: false; result: ParseResult };

function itemFromJson(entry: unknown): ItemResult {
  if (!isRecord(entry)) return bad("bad_body", "a graphql request must be a JSON object");
  const query = entry.query;
  if (query !== undefined && query !== null && typeof query !== "string") {
    return bad("bad_body", "`query` must be a string");
  }
  const operationName = entry.operationName;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    return bad("bad_body", "`operationName` must be a string");
  }
  const variables = decodeObject(entry.variables, "variables");
  if (!variables.ok) return variables;
  const extensions = decodeObject(entry.extensions, "extensions");
  if (!extensions.ok) return extensions;
  return {
    ok: true,
    item: {
      query: typeof query === "string" ? query : undefined,
      operationName: typeof operationName === "string" ? operationName : undefined,
      variables: variables.value,
      persistedHash: persistedHash(extensions.value),
    },
  };
}

function itemFromStrings(fields: Record<string, string | string[]>): ItemResult {
  return itemFromJson({
    query: queryValue(fields, "query"),
    operationName: queryValue(fields, "operationName"),
    variables: queryValue(fields, "variables"),
    extensions: queryValue(fields, "extensions"),
  });
}

/** An object, a JSON string holding one, or nothing. */
function decodeObject(
  value: unknown,
  name: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; result: ParseResult } {
  if (value === undefined || value === null || value === "") return { ok: true, value: {} };
  let v: unknown = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return bad("bad_request", `\`${name}\` is not valid JSON`);
    }
  }
  if (v === null) return { ok: true, value: {} };
  if (!isRecord(v)) return bad("bad_body", `\`${name}\` must be an object`);
  return { ok: true, value: v };
}

function persistedHash(extensions: Record<string, unknown>): string | undefined {
  const pq = extensions.persistedQuery;
  if (!isRecord(pq)) return undefined;
  const hash = pq.sha256Hash;
  return typeof hash === "string" && hash !== "" ? hash.slice(0, 128) : undefined;
}
