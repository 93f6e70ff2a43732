/**
 * Prefixed identifiers. Every public id carries its kind so a pasted value is
 * self-describing (`gw_…` is a gateway id, `gwtk_…` a gateway token).
 */
export const idPrefixes = {
  organization: "org",
  user: "usr",
  gateway: "gw",
  gatewayToken: "gwtk",
  approval: "apv",
  event: "evt",
  policy: "pol",
  request: "req",
  connector: "con",
  secret: "sec",
  invite: "inv",
  session: "ses",
  apiToken: "tfpat",
  killSwitch: "ks",
  review: "rev",
} as const;

export type IdKind = keyof typeof idPrefixes;

const idBodyPattern = /^[A-Za-z0-9]{8,64}$/;

/** True when `value` is `<prefix>_<8-64 alphanumerics>` for the given kind. Pure. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${idPrefixes[kind]}_`;
  return value.startsWith(prefix) && idBodyPattern.test(value.slice(prefix.length));
}

/**
 * Builds an id from caller-supplied random bytes (contracts never draw randomness).
 * The body is base62 of the bytes, so 16 bytes give ~22 characters.
 */
export function makeId(kind: IdKind, randomBytes: Uint8Array): string {
  return `${idPrefixes[kind]}_${base62(randomBytes)}`;
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base62(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = alphabet[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(8, "0");
}
