import { readWebEnv } from "../env.ts";
import { internalHeaders, visitorHeaders } from "./peer-address.ts";

// Hop-by-hop headers (RFC 9110 §7.6.1) and those `fetch` sets itself are never copied.
const requestSkip = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "expect",
]);
const responseSkip = new Set([...requestSkip, "set-cookie", "content-encoding"]);
// What the visitor says about itself is dropped; the dashboard adds its own signed version.
const forwardSkip = new Set([...requestSkip, ...internalHeaders]);

/**
 * Forwards a request of the dashboard's origin to the API at the same path and query, so the
 * browser talks to one origin and the API's `tf_session` cookie is first-party. Bodies
 * stream both ways (audit exports, gateway batches); `Set-Cookie` headers pass one by one; a
 * client that goes away aborts the upstream call (long-polls end with it). The visitor's
 * address travels signed (TF_DASHBOARD_SECRET), so the API's login throttle sees the visitor.
 */
export async function forwardToApi(request: Request): Promise<Response> {
  const { API_URL } = readWebEnv();
  const incoming = new URL(request.url);
  const target = new URL(`${incoming.pathname}${incoming.search}`, API_URL);
  const headers = new Headers();
  request.headers.forEach((value, key) => {
    if (!forwardSkip.has(key)) headers.set(key, value);
  });
  for (const [key, value] of Object.entries(await visitorHeaders(request.headers))) headers.set(key, value);
  headers.set("x-forwarded-host", incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : null,
      // Streams the request body instead of buffering it (required by Node's fetch for streams).
      duplex: "half",
      redirect: "manual",
      cache: "no-store",
      signal: request.signal,
    } as RequestInit);
  } catch (cause) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    console.error(`[web] forwarding \`${incoming.pathname}\` to the API failed`, cause);
    return unreachable(incoming.pathname, API_URL);
  }
  const out = new Headers();
  upstream.headers.forEach((value, key) => {
    if (!responseSkip.has(key)) out.set(key, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) out.append("set-cookie", cookie);
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: out,
  });
}

/** The API is down or unreachable: a 502 the tRPC client and the pages can put into words. */
function unreachable(pathname: string, apiUrl: string): Response {
  const message = `the dashboard could not reach the API at ${apiUrl}: is it running?`;
  if (pathname.startsWith("/trpc/")) {
    return Response.json(
      {
        error: {
          message,
          code: -32603,
          data: { code: "BAD_GATEWAY", httpStatus: 502, appCode: "unavailable" },
        },
      },
      { status: 502 },
    );
  }
  return Response.json({ error: { code: "unavailable", message } }, { status: 502 });
}
