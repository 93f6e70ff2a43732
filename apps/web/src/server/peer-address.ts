import { randomBytes } from "node:crypto";
import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { clientAddressHeader, clientSignatureHeader, isAddressText, signClientAddress } from "@tameflare/api";
import { readWebEnv } from "../env.ts";

// Route handlers and server components see headers, never the socket, and Next.js keeps an
// `X-Forwarded-For` the browser sent itself (it only fills the header in when absent). So the
// TCP peer is stamped onto every request before Next.js reads it, through Node's
// `http.server.request.start` diagnostics channel, in a header whose value carries a random
// per-process token: a browser can send a header of that name, but the stamp overwrites it,
// and without the stamp installed no value is believed at all.

/** The stamp's header: `<per-process token> <peer address>`. Never forwarded anywhere. */
export const peerHeader = "x-tameflare-peer";

/** Headers a visitor must never be able to hand to the API: dropped from every forwarded request. */
export const internalHeaders: readonly string[] = [peerHeader, clientAddressHeader, clientSignatureHeader];

const tokenKey = Symbol.for("tameflare.web.peerStampToken");

function stampToken(): string | undefined {
  return (globalThis as Record<symbol, string | undefined>)[tokenKey];
}

/** Starts stamping every HTTP request this process serves with its TCP peer. Idempotent. */
export function installPeerStamp(): void {
  const global = globalThis as Record<symbol, string | undefined>;
  if (global[tokenKey] !== undefined) return;
  const token = randomBytes(16).toString("hex");
  global[tokenKey] = token;
  diagnosticsChannel.subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[peerHeader] = `${token} ${socket.remoteAddress ?? ""}`;
  });
}

/** An IPv4 address as an IPv6 socket reports it (`::ffff:10.0.0.1`) in its usual form. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * The visitor's address from the stamped TCP peer: the peer itself, or, when the peer is a
 * trusted proxy, the last `X-Forwarded-For` entry (right to left) that is not one. Null when
 * the request carries no valid stamp of this process.
 */
export function visitorAddress(
  headers: { get(name: string): string | null },
  trustedProxies: readonly string[],
): string | null {
  const stamp = headers.get(peerHeader);
  const token = stampToken();
  if (stamp === null || token === undefined || !stamp.startsWith(`${token} `)) return null;
  let address = plain(stamp.slice(token.length + 1));
  if (!isAddressText(address)) return null;
  const trusted = new Set(trustedProxies.map(plain));
  if (!trusted.has(address)) return address;
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((h) => plain(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    // Garbage where a trusted proxy should have written an address: keep the last one known.
    if (!isAddressText(hop)) return address;
    address = hop;
    if (!trusted.has(hop)) return hop;
  }
  return address;
}

/**
 * The headers that tell the API who the visitor is (signed with TF_DASHBOARD_SECRET); none
 * when the secret is unset or the visitor's address is unknown.
 */
export async function visitorHeaders(headers: {
  get(name: string): string | null;
}): Promise<Record<string, string>> {
  const env = readWebEnv();
  if (env.TF_DASHBOARD_SECRET === undefined) return {};
  const address = visitorAddress(headers, env.TF_TRUSTED_PROXIES);
  return address === null ? {} : signClientAddress(env.TF_DASHBOARD_SECRET, address, Date.now());
}
