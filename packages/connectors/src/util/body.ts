import type { RequestSnapshot } from "@tameflare/contracts";

export type BodyParse = { ok: true; value: unknown } | { ok: false; message: string };

/** Parses a query string into a record; repeated keys become arrays. Total. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (query === "") return out;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const v = safeDecode(eq === -1 ? "" : part.slice(eq + 1));
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Parses form-encoded bodies with Stripe's bracket syntax
 * (`metadata[order]=1`, `items[0][price]=p`) into nested objects. Total.
 */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [rawKey, value] of Object.entries(parseQuery(text))) {
    const keys = rawKey.split(/[[\]]+/).filter((k) => k !== "");
    if (keys.length === 0) continue;
    let node = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as string;
      const next = node[k];
      if (typeof next !== "object" || next === null || Array.isArray(next)) {
        node[k] = Object.create(null);
      }
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = value;
  }
  return out;
}

/** Decodes the body by content type (JSON or form). Truncated bodies are reported, not guessed. */
export function parseBody(request: RequestSnapshot): BodyParse {
  const body = request.body;
  if (body === undefined || body.text === "") return { ok: true, value: undefined };
  if (body.truncated) return { ok: false, message: "the request body exceeds the inspected prefix" };
  const type = (request.contentType ?? headerValue(request, "content-type") ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) return { ok: true, value: parseForm(body.text) };
  try {
    return { ok: true, value: JSON.parse(body.text) as unknown };
  } catch {
    if (type.includes("json")) return { ok: false, message: "the request body is not valid JSON" };
    return { ok: true, value: undefined };
  }
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

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}
