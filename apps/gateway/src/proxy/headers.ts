import type { IncomingHttpHeaders } from "node:http";
import { recordKey } from "@tameflare/connectors";

/**
 * Connection-specific headers (RFC 9110 §7.6.1) never cross the proxy, plus the proxy's
 * own credentials. Transfer-Encoding is kept: Node re-frames the message from it.
 */
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);

export interface UpstreamHeaderOptions {
  /** Lower-case names removed (the connector's agent-side auth headers). */
  strip: ReadonlySet<string>;
  /** The real credential header, set after stripping. */
  inject?: { name: string; value: string } | undefined;
  requestId: string;
  agent: string;
  /** Replaces the Host header (connector `upstream` override). */
  host?: string | undefined;
  /** WebSocket: keep `Connection: Upgrade` and `Upgrade`. */
  upgrade?: boolean;
  /**
   * The HTTP client frames the body itself (`h1-client.ts`): `Transfer-Encoding` and
   * `Content-Length` are dropped (the body is re-framed, with its length or chunked), and so
   * is `Expect` (the gateway's own server already answered `100 Continue`).
   */
  reframe?: boolean;
}

/** Builds the upstream request's raw header list (order and case kept for the rest). */
export function upstreamRequestHeaders(raw: string[], options: UpstreamHeaderOptions): string[] {
  const connectionListed = listedInConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (options.upgrade && (lower === "upgrade" || lower === "connection")) {
      out.push(name, raw[i + 1] as string);
      continue;
    }
    if (hopByHop.has(lower) || options.strip.has(lower) || connectionListed?.has(lower)) continue;
    if (lower === "x-tameflare-request-id" || lower === "x-tameflare-agent") continue;
    if (
      options.reframe &&
      (lower === "transfer-encoding" || lower === "content-length" || lower === "expect")
    )
      continue;
    if (lower === "host" && options.host !== undefined) {
      out.push(name, options.host);
      continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  if (options.inject) out.push(options.inject.name, options.inject.value);
  out.push("X-TameFlare-Request-Id", options.requestId, "X-TameFlare-Agent", options.agent);
  return out;
}

/**
 * The upstream response's raw headers for the agent: hop-by-hop removed and, when a secret
 * is given, any value containing it redacted.
 */
export function downstreamResponseHeaders(
  raw: string[],
  redact: ((value: string) => string) | undefined,
  upgrade = false,
): string[] {
  const connectionListed = listedInConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    const keepForUpgrade = upgrade && (lower === "upgrade" || lower === "connection");
    if (
      !keepForUpgrade &&
      (hopByHop.has(lower) || lower === "proxy-authenticate" || connectionListed?.has(lower))
    ) {
      continue;
    }
    const value = raw[i + 1] as string;
    out.push(name, redact ? redact(value) : value);
  }
  return out;
}

function listedInConnection(raw: string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== "connection") continue;
    for (const token of (raw[i + 1] as string).split(",")) {
      const t = token.trim().toLowerCase();
      if (t === "" || t === "close" || t === "keep-alive" || t === "upgrade") continue;
      listed ??= new Set();
      listed.add(t);
    }
  }
  return listed;
}

/** Lower-cased header record for a request snapshot; repeated headers keep every value. */
export function snapshotHeaders(distinct: NodeJS.Dict<string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(distinct)) {
    if (!v || k === "proxy-authorization" || k === "proxy-connection") continue;
    out[k] = v.length === 1 ? (v[0] as string) : v;
  }
  return out;
}

/**
 * The same record as `snapshotHeaders(req.headersDistinct)`, in one pass over
 * `req.rawHeaders` (no intermediate object of arrays).
 */
export function snapshotRawHeaders(raw: string[]): Record<string, string | string[]> {
  // No prototype, like `headersDistinct`: a `__proto__` header is just a header.
  const out = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < raw.length; i += 2) {
    const name = recordKey((raw[i] as string).toLowerCase());
    if (name === "proxy-authorization" || name === "proxy-connection") continue;
    const value = raw[i + 1] as string;
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (typeof seen === "string") out[name] = [seen, value];
    else seen.push(value);
  }
  return out;
}

export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
