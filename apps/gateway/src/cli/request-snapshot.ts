import type { RequestSnapshot } from "@tameflare/contracts";

/**
 * Builds the snapshot a connector sees from `tf policy test --request "METHOD URL"`,
 * `--header "Name: value"` (repeatable) and `--body`. Returns an error message for bad input.
 */
export function snapshotFromRequest(
  request: string,
  headerLines: readonly string[],
  body: string | undefined,
): { ok: true; snapshot: RequestSnapshot } | { ok: false; message: string } {
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(request);
  if (!match) return { ok: false, message: `expected "METHOD URL", got \`${request}\`` };
  const method = (match[1] as string).toUpperCase();
  let url: URL;
  try {
    url = new URL(match[2] as string);
  } catch (error) {
    return { ok: false, message: `not a url: \`${match[2]}\`: ${(error as Error).message.toLowerCase()}` };
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https" && scheme !== "ws" && scheme !== "wss") {
    return { ok: false, message: `unsupported scheme \`${scheme}\`` };
  }
  const headers: Record<string, string | string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return { ok: false, message: `expected a header as "Name: value", got \`${line}\`` };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  headers.host ??= url.host;
  const secure = scheme === "https" || scheme === "wss";
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  const contentType = typeof headers["content-type"] === "string" ? headers["content-type"] : undefined;
  // The path is kept raw (as a proxy receives it); connectors normalise it themselves.
  const rawPath = /^[a-z]+:\/\/[^/?#]*([^?#]*)/i.exec(match[2] as string)?.[1] || "/";
  const snapshot: RequestSnapshot = {
    method,
    scheme,
    host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
    port,
    path: rawPath,
    query: url.search.slice(1),
    headers,
    ...(contentType === undefined ? {} : { contentType }),
    ...(body === undefined
      ? {}
      : { body: { text: body, truncated: false, totalBytes: Buffer.byteLength(body, "utf8") } }),
    ...(headers.upgrade !== undefined ? { upgrade: true } : {}),
  };
  return { ok: true, snapshot };
}
