import type { Action, ParseResult, RequestSnapshot, RiskLevel } from "@tameflare/contracts";
import type { ConnectorDefinition, ResolvedConnectorConfig, RouteSpec } from "../../types.ts";
import { parseForm, parseQuery } from "../../util/body.ts";
import {
  clip,
  compileVendorRoutes,
  contentType,
  type Failure,
  fail,
  httpVerb,
  isMultipart,
  isReadMethod,
  isRecord,
  locate,
  maxResourceLength,
  parseJson,
  rawResource,
  singleHeader,
} from "../../util/vendor-kit.ts";
import { stripeBodyFields, stripeRoutes } from "./stripe-routes.ts";

const table = compileVendorRoutes(stripeRoutes, "v1");

/** Amount-like fields: an integer string becomes a number so `amount gt 50000` compares numerically. */
const integerFields = new Set([
  "amount",
  "application_fee_amount",
  "amount_to_capture",
  "unit_amount",
  "amount_off",
  "quantity",
  "days_until_due",
]);
const booleanFields = new Set(["confirm", "off_session", "cancel_at_period_end"]);
const integerPattern = /^\s*[+-]?\d+\s*$/;
const decimalPattern = /^\s*\d+(\.\d+)?\s*$/;

/**
 * Stripe (api.stripe.com, files.stripe.com). Actions `stripe.<resource>.<verb>`
 * from the route table in `stripe-routes.ts`; writes read the form body for
 * ids, amounts and metadata. Pure and total: every input yields a value.
 */
export const stripeConnector: ConnectorDefinition = {
  type: "stripe",
  defaultDomains: ["api.stripe.com", "files.stripe.com"],
  injection: { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] },
  dummyEnv: ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
  needsBody(head, config) {
    if (head.method.toUpperCase() !== "POST") return false;
    if (isMultipart(head)) return false;
    const segments = locate(head, config);
    if (segments === undefined) return false;
    const spec = table.match("POST", segments)?.spec;
    // Unknown POSTs still read the body: a new Stripe endpoint keeps `amount` visible.
    return spec === undefined || spec.bodyFields !== undefined || spec.refine !== undefined;
  },
  parse(request, config) {
    return parseStripe(request, config);
  },
};

function parseStripe(request: RequestSnapshot, config: ResolvedConnectorConfig): ParseResult {
  const segments = locate(request, config);
  if (segments === undefined) {
    return fail(
      "bad_request",
      `path \`${clip(request.path)}\` is not a valid request path (malformed percent-escape or raw \`#\`)`,
    );
  }
  const method = request.method.toUpperCase();
  const matched = table.match(method, segments);
  const spec = matched?.spec ?? unknownRoute(method);
  const resource = matched?.resource ?? rawResource(segments, "v1");
  if (resource.length > maxResourceLength) {
    return fail("bad_request", `the request path is longer than ${maxResourceLength} characters`);
  }
  const parameters: Record<string, unknown> = matched ? { ...matched.params } : {};
  const query = parseQuery(request.query);

  const account = singleHeader(request, "stripe-account");
  if (account === null) return fail("bad_request", "conflicting `stripe-account` headers");

  let type = spec.action;
  let risk = spec.risk;
  let read = spec.read === true;
  const readsBody = spec.bodyFields !== undefined && !isMultipart(request);
  if (readsBody && request.body?.truncated === true) {
    // The body may decide the action (subscription update vs cancel): no guessing.
    if (spec.usesBody === true) {
      return fail(
        "body_truncated",
        `\`${spec.action}\` is decided by a body larger than the inspected prefix`,
      );
    }
    // The action is known; body-derived parameters are left out and flagged so
    // policies can require approval for what they cannot see.
    parameters.body_truncated = true;
  } else if (readsBody) {
    const decoded = decodeBody(request);
    // A known route's body must decode; an unknown route is an action whatever its body.
    if (!decoded.ok && matched !== undefined) return decoded;
    const body = decoded.ok ? decoded : { value: undefined, form: false };
    const copied = copyFields(spec.bodyFields ?? [], body.value, body.form, query, parameters);
    if (copied !== undefined) return copied;
    const refined = spec.refine?.({ params: matched?.params ?? {}, body: body.value, query });
    if (refined?.type !== undefined) type = refined.type;
    if (refined?.risk !== undefined) risk = refined.risk;
    if (refined?.read !== undefined) read = refined.read;
  }
  for (const name of spec.queryFields ?? []) {
    const value = query[name];
    if (value !== undefined) parameters[name] = value;
  }
  if (account !== undefined) parameters.stripe_account = account;

  const action: Action = {
    type,
    connector: config.name,
    resource,
    parameters,
    risk,
    read,
  };
  return { ok: true, actions: [action] };
}

/**
 * An endpoint outside the table is still an action: `stripe.api.<method>`. Reads
 * are low risk, deletes high (every known Stripe delete is), other writes medium;
 * POSTs keep the generic body fields so an amount on a new endpoint stays visible.
 */
function unknownRoute(method: string): RouteSpec {
  const action = `stripe.api.${httpVerb(method)}`;
  if (isReadMethod(method)) {
    return { method, path: "", action, risk: "low", read: true };
  }
  const risk: RiskLevel = method === "DELETE" ? "high" : "medium";
  return method === "POST"
    ? { method, path: "", action, risk, read: false, bodyFields: stripeBodyFields }
    : { method, path: "", action, risk, read: false };
}

/** A decoded body; `form` tells form values (strings, where a repeated key is an array) from JSON. */
type BodyResult = { ok: true; value: Record<string, unknown> | undefined; form: boolean } | Failure;

/**
 * Stripe's v1 API takes form bodies (`metadata[k]=v`). A body declared as JSON is
 * read as JSON (and must be valid); anything else is read as a form, which is
 * how Stripe reads it.
 */
function decodeBody(request: RequestSnapshot): BodyResult {
  const text = request.body?.text ?? "";
  if (text === "") return { ok: true, value: undefined, form: false };
  const type = contentType(request);
  if (type === null) return fail("bad_request", "conflicting `content-type` headers");
  if (type.includes("json")) {
    const json = parseJson(text);
    if (!json.ok) return json;
    return { ok: true, value: isRecord(json.value) ? json.value : undefined, form: false };
  }
  return { ok: true, value: parseForm(text), form: true };
}

/**
 * Copies the listed fields from the body, falling back to the query string
 * (Stripe reads parameters from either). A field given twice with different
 * values (repeated form key, or body and query disagreeing) is ambiguous: which
 * one Stripe uses is not ours to guess, so the request is rejected. Walks the
 * few keys the request has, not the field list.
 */
function copyFields(
  names: readonly string[],
  body: Record<string, unknown> | undefined,
  form: boolean,
  query: Record<string, string | string[]>,
  into: Record<string, unknown>,
): Failure | undefined {
  const fields = fieldSet(names);
  if (body !== undefined) {
    for (const name of Object.keys(body)) {
      if (!fields.has(name)) continue;
      const copied = copyField(name, body[name], query[name], form, into);
      if (copied !== undefined) return copied;
    }
  }
  for (const name in query) {
    if (!fields.has(name) || (body !== undefined && Object.hasOwn(body, name))) continue;
    const copied = copyField(name, undefined, query[name], true, into);
    if (copied !== undefined) return copied;
  }
  return undefined;
}

function copyField(
  name: string,
  inBody: unknown,
  inQuery: string | string[] | undefined,
  form: boolean,
  into: Record<string, unknown>,
): Failure | undefined {
  if (Array.isArray(inQuery) || (form && Array.isArray(inBody))) {
    return fail("bad_body", `field \`${name}\` is given more than once`);
  }
  if (inBody !== undefined && inQuery !== undefined && inBody !== inQuery) {
    return fail("bad_body", `field \`${name}\` differs between the body and the query string`);
  }
  const raw = inBody ?? inQuery;
  if (raw === undefined) return undefined;
  const value = coerce(name, raw);
  if (value === invalid) return fail("bad_body", `field \`${name}\` holds an amount that is not an integer`);
  into[name] = value;
  return undefined;
}

const fieldSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function fieldSet(names: readonly string[]): ReadonlySet<string> {
  let set = fieldSets.get(names);
  if (set === undefined) {
    set = new Set(names);
    fieldSets.set(names, set);
  }
  return set;
}

const invalid = Symbol("invalid");

/** Form values are strings: amounts become numbers, flags booleans; nested `transfer_data` too. */
function coerce(name: string, value: unknown): unknown {
  if (typeof value === "string") {
    if (integerFields.has(name)) {
      if (value === "") return value;
      if (!integerPattern.test(value)) return invalid;
      const n = Number(value);
      return Number.isFinite(n) ? n : invalid;
    }
    if (name === "percent_off" && decimalPattern.test(value)) return Number(value);
    if (booleanFields.has(name) && (value === "true" || value === "false")) return value === "true";
    return value;
  }
  if (name !== "metadata" && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = coerce(k, v);
      if (c === invalid) return invalid;
      // Defined, not assigned: a `__proto__` key stays an own property.
      Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
