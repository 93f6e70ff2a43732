// The browser's address, as the dashboard tells it to the API. The dashboard's server calls the
// API for its visitors, so the API's socket sees the dashboard; the dashboard names the visitor
// in a header the API believes only with a valid HMAC under the secret both share
// (TF_DASHBOARD_SECRET). Anyone else's header, a wrong key, an old or malformed signature:
// ignored, and the socket's address is used. Web Crypto only (no Node imports): the dashboard
// signs with this same code through the package entry.

/** The visitor's address (IPv4 or IPv6), as the dashboard saw it. */
export const clientAddressHeader = "x-tameflare-client-address";
/** `v1.<unix seconds>.<hex HMAC-SHA256>` over the address and the time. */
export const clientSignatureHeader = "x-tameflare-client-signature";
/** A signature older (or newer) than this is refused: a captured header is worth a minute at most. */
export const clientSignatureMaxSkewSeconds = 60;
/** Shortest TF_DASHBOARD_SECRET accepted (as text; `openssl rand -base64 32` gives 44). */
export const dashboardSecretMinLength = 32;

const encoder = new TextEncoder();

function signedText(seconds: number, address: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`tameflare-client-address v1\n${seconds}\n${address}`);
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * True for the text of an IPv4 or IPv6 address (what a socket reports), false for anything
 * else: the address ends up in rate-limit keys and session records, so only addresses pass.
 */
export function isAddressText(text: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(text)) return true;
  return text.length <= 45 && text.includes(":") && /^[0-9a-fA-F:.]+$/.test(text);
}

/** The two headers that tell the API who the visitor is, signed with the shared secret. */
export async function signClientAddress(
  secret: string,
  address: string,
  nowMs: number,
): Promise<Record<typeof clientAddressHeader | typeof clientSignatureHeader, string>> {
  const seconds = Math.floor(nowMs / 1000);
  const mac = await globalThis.crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    signedText(seconds, address),
  );
  return { [clientAddressHeader]: address, [clientSignatureHeader]: `v1.${seconds}.${hex(mac)}` };
}

/**
 * The visitor's address when the headers carry one signed with `secret` within
 * `clientSignatureMaxSkewSeconds` of `nowMs`; null otherwise (missing, malformed, stale,
 * signed with another key, not an address). Never throws.
 */
export async function verifyClientAddress(
  secret: string,
  headers: { address: string | undefined; signature: string | undefined },
  nowMs: number,
): Promise<string | null> {
  const { address, signature } = headers;
  if (address === undefined || signature === undefined || !isAddressText(address)) return null;
  const match = /^v1\.(\d{1,12})\.([0-9a-f]{64})$/.exec(signature);
  if (match === null) return null;
  const seconds = Number(match[1]);
  if (Math.abs(nowMs / 1000 - seconds) > clientSignatureMaxSkewSeconds) return null;
  const mac = fromHex(match[2] ?? "");
  if (mac === null) return null;
  const ok = await globalThis.crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, "verify"),
    mac,
    signedText(seconds, address),
  );
  return ok ? address : null;
}
