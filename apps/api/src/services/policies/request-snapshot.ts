import type { RequestSnapshot } from "@tameflare/contracts";

export interface RawRequest {
  /** `METHOD URL`, e.g. `POST https://api.stripe.com/v1/refunds`. */
  request: string;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** Guesses the content type of a sandbox body the caller sent without one. */
function guessContentType(body: string): string | undefined {
  const text = body.trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      JSON.parse(text);
      return "application/json";
    } catch (cause) {
      if (!(cause instanceof SyntaxError)) throw cause;
      return undefined;
    }
  }
  return /^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(text) ? "application/x-www-form-urlencoded" : undefined;
}

/**
 * The snapshot a gateway would hand its connector for `METHOD URL [body]`: the path kept
 * raw (connectors normalise it themselves), the body complete (not truncated).
 */
export function snapshotOfRequest(
  raw: RawRequest,
): { ok: true; snapshot: RequestSnapshot } | { ok: false; message: string } {
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(raw.request);
  if (match === null)
    return { ok: false, message: `expected \`METHOD URL\`, got \`${raw.request.slice(0, 200)}\`` };
  const method = (match[1] as string).toUpperCase();
  const target = match[2] as string;
  const parts = /^(https?|wss?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/i.exec(target);
  if (parts === null) return { ok: false, message: `not an http(s) URL: \`${target.slice(0, 200)}\`` };
  let url: URL;
  try {
    url = new URL(target);
  } catch (cause) {
    if (!(cause instanceof TypeError)) throw cause;
    return { ok: false, message: `not a valid URL: \`${target.slice(0, 200)}\`` };
  }
  const scheme = (parts[1] as string).toLowerCase() as RequestSnapshot["scheme"];
  const secure = scheme === "https" || scheme === "wss";
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host ??= url.host;
  let contentType = headers["content-type"];
  if (contentType === undefined && raw.body !== undefined) {
    contentType = guessContentType(raw.body);
    if (contentType !== undefined) headers["content-type"] = contentType;
  }
  const snapshot: RequestSnapshot = {
    method,
    scheme,
    host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
    port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
    path: parts[3] === "" ? "/" : (parts[3] as string),
    query: parts[4] ?? "",
    headers,
    ...(contentType === undefined ? {} : { contentType }),
    ...(raw.body === undefined
      ? {}
      : { body: { text: raw.body, truncated: false, totalBytes: Buffer.byteLength(raw.body, "utf8") } }),
  };
  return { ok: true, snapshot };
}
