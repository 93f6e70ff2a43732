import type { RequestSnapshot } from "@tameflare/contracts";

/**
 * Outcome of decoding a body prefix. `code` tells a prefix that was cut short
 * (`body_truncated`) from one that is malformed (`bad_body`).
 */
export type BodyParse =
  | { ok: true; value: unknown }
  | { ok: false; code: "body_truncated" | "bad_body"; message: string };

const TRUNCATED: BodyParse = {
  ok: false,
  code: "body_truncated",
  message: "the request body exceeds the inspected prefix",
};

/**
 * Names as record keys V8 stores cheaply. A string fresh from the wire, stored as a key of a
 * prototype-less record, is internalized on every store (about 0.5 µs each, measured in the
 * gateway); a name seen before comes back from here already internalized. Bounded: past
 * `limit` distinct names, or beyond `maxLength` characters, a name is used as it is, so an
 * agent sending junk names costs this cache nothing but its hits.
 */
export class RecordKeys {
  readonly #known = new Map<string, string>();
  readonly #limit: number;
  readonly #maxLength: number;

  constructor(limit = 4_096, maxLength = 64) {
    this.#limit = limit;
    this.#maxLength = maxLength;
  }

  /** A string equal to `name`: the one stored before when there is one. */
  key(name: string): string {
    const known = this.#known.get(name);
    if (known !== undefined) return known;
    if (this.#known.size < this.#limit && name.length <= this.#maxLength) this.#known.set(name, name);
    return name;
  }

  get size(): number {
    return this.#known.size;
  }
}

const recordKeys = new RecordKeys();

/** `name` as a record key, through the process's one bounded `RecordKeys`. */
export function recordKey(name: string): string {
  return recordKeys.key(name);
}

/** Parses a query string into a record; repeated keys become arrays. Total. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (query === "") return out;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = recordKey(safeDecode(eq === -1 ? part : part.slice(0, eq)));
    const v = safeDecode(eq === -1 ? "" : part.slice(eq + 1));
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** First value of a parsed query parameter. */
export function queryValue(query: Record<string, string | string[]>, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Parses a form body with Stripe's bracket syntax (`metadata[k]=v`,
 * `items[0][price]=p`) into nested objects; repeated keys become arrays and keys
 * apply in the order of the text, as a server does. No regular expressions and
 * plain objects (several times faster in V8 than prototype-less ones: this is on
 * the hot path of every Stripe and Slack write). A `__proto__` key is defined as
 * an own property, so it can never reach a prototype; read results with
 * own-property checks. Total.
 */
export function parseForm(text: string): Record<string, unknown> {
  const grouped = new Map<string, string | string[]>();
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = text.indexOf("&", start);
    if (end === -1) end = n;
    if (end > start) {
      const eq = text.indexOf("=", start);
      const keyEnd = eq === -1 || eq > end ? end : eq;
      const key = decodeComponent(text.slice(start, keyEnd));
      const value = keyEnd === end ? "" : decodeComponent(text.slice(keyEnd + 1, end));
      const prev = grouped.get(key);
      if (prev === undefined) grouped.set(key, value);
      else if (Array.isArray(prev)) prev.push(value);
      else grouped.set(key, [prev, value]);
    }
    start = end + 1;
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of grouped) {
    const keys =
      rawKey.includes("[") || rawKey.includes("]") ? splitBrackets(rawKey) : rawKey === "" ? [] : [rawKey];
    if (keys.length === 0) continue;
    let node = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as string;
      const next = Object.hasOwn(node, k) ? node[k] : undefined;
      if (typeof next !== "object" || next === null || Array.isArray(next)) setOwn(node, k, {});
      node = node[k] as Record<string, unknown>;
    }
    setOwn(node, keys[keys.length - 1] as string, value);
  }
  return out;
}

/** Assigns an own property; `__proto__` is defined, never assigned (which would set the prototype). */
function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    node[key] = value;
  }
}

/** `a[b][c]` → `["a", "b", "c"]`: runs of `[` and `]` separate keys, empty keys are dropped. */
function splitBrackets(key: string): string[] {
  const keys: string[] = [];
  let from = 0;
  for (let i = 0; i <= key.length; i++) {
    const c = key.charCodeAt(i);
    if (i === key.length || c === 91 || c === 93) {
      if (i > from) keys.push(key.slice(from, i));
      from = i + 1;
    }
  }
  return keys;
}

/** `+` is a space; a malformed escape keeps the raw text, which is what a lenient server sees. */
function decodeComponent(s: string): string {
  if (!s.includes("%") && !s.includes("+")) return s;
  const spaced = s.replaceAll("+", " ");
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch (cause) {
    // URIError for malformed escapes: the raw text (with `+` kept) is the value, as `parseQuery` does.
    if (cause instanceof URIError) return s;
    throw cause;
  }
}

/**
 * Decodes the body by content type (form-encoded, else JSON). Truncated bodies
 * are reported (`body_truncated`), never guessed. A body that is not JSON is
 * `bad_body` when the content type claims JSON, and no value otherwise.
 */
export function parseBody(request: RequestSnapshot): BodyParse {
  const body = request.body;
  if (body === undefined || body.text === "") return { ok: true, value: undefined };
  if (body.truncated) return TRUNCATED;
  const type = contentTypeOf(request);
  if (type.includes("application/x-www-form-urlencoded")) return { ok: true, value: parseForm(body.text) };
  try {
    return { ok: true, value: JSON.parse(body.text) as unknown };
  } catch {
    // Not JSON: only an error when the sender said it was.
    if (type.includes("json"))
      return { ok: false, code: "bad_body", message: "the request body is not valid JSON" };
    return { ok: true, value: undefined };
  }
}

/**
 * Decodes a body that can only be JSON (GitHub's API, JSON-RPC, GraphQL over
 * POST), whatever its declared content type, so a misleading `Content-Type`
 * cannot make the connector read something other than what a lenient upstream
 * would. An absent or empty body is no value.
 */
export function parseJsonBody(request: RequestSnapshot): BodyParse {
  const body = request.body;
  if (body === undefined || body.text === "") return { ok: true, value: undefined };
  if (body.truncated) return TRUNCATED;
  try {
    return { ok: true, value: JSON.parse(body.text) as unknown };
  } catch {
    return { ok: false, code: "bad_body", message: "the request body is not valid JSON" };
  }
}

/** The lower-cased content type of a request (`contentType`, else the header), `""` when absent. */
export function contentTypeOf(request: Pick<RequestSnapshot, "headers" | "contentType">): string {
  return (request.contentType ?? headerValue(request, "content-type") ?? "").toLowerCase();
}

/** First value of a (lower-case) header. */
export function headerValue(request: Pick<RequestSnapshot, "headers">, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a dotted path (`a.b.0.c`) from a parsed body; undefined when absent. */
export function pick(value: unknown, path: string): unknown {
  let node: unknown = value;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Writes `value` at a dotted path (`customer.id`) of `target`, creating plain
 * objects on the way. Keys are defined as own data properties, so `__proto__`
 * in user input can never reach a prototype.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  if (!path.includes(".")) {
    defineValue(target, path, value);
    return;
  }
  const keys = path.split(".");
  let node = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i] as string;
    const next = Object.hasOwn(node, k) ? node[k] : undefined;
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      defineValue(node, k, created);
      node = created;
    }
  }
  defineValue(node, keys[keys.length - 1] as string, value);
}

function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment except for the one key whose assignment would set a prototype.
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Limits of `clampValue`. */
export const clampLimits = { depth: 16, items: 1000, stringLength: 16_384 } as const;

/**
 * Copies a parsed JSON value with bounded depth, width and string length, so a
 * hostile body cannot hand the policy engine or the audit log a value that
 * overflows a recursive walker. Anything cut is replaced by the string
 * `"[truncated]"`; shallow values come back equal. Total.
 */
export function clampValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return value.length > clampLimits.stringLength
      ? `${value.slice(0, clampLimits.stringLength)}[truncated]`
      : value;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= clampLimits.depth) return "[truncated]";
  if (Array.isArray(value)) {
    const n = Math.min(value.length, clampLimits.items);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = clampValue(value[i], depth + 1);
    if (value.length > n) out.push("[truncated]");
    return out;
  }
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (count++ >= clampLimits.items) break;
    defineValue(out, key, clampValue((value as Record<string, unknown>)[key], depth + 1));
  }
  return out;
}

/** True for a plain (non-array) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function safeDecode(s: string): string {
  if (!s.includes("%") && !s.includes("+")) return s;
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    // Malformed escape: keep the raw text, which is what a lenient server sees.
    return s;
  }
}
