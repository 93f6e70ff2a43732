import type { CredentialInjection, CredentialSource } from "@tameflare/contracts";

/** Headers as the gateway holds them: lower- or mixed-case names, repeated values as arrays. */
export type HeaderMap = Record<string, string | string[]>;

/**
 * A connector's injection with the config's `credential.header` / `format`
 * overrides applied. The header name is lower-cased, and the overriding header
 * is stripped as well as the default ones, so an agent cannot smuggle its own
 * credential in either place.
 */
export function resolveInjection(
  base: CredentialInjection,
  credential: Pick<CredentialSource, "header" | "format"> | undefined,
): CredentialInjection {
  const header = (credential?.header ?? base.header).toLowerCase();
  const strip = [...new Set([...base.strip.map((h) => h.toLowerCase()), base.header.toLowerCase(), header])];
  return { header, format: credential?.format ?? base.format, strip };
}

/**
 * Renders an injection format: `{secret}` is the secret, and
 * `{basic:USER}` is `base64(USER:secret)` (git's Basic authentication).
 * Replacement is literal (a `$&` in a secret stays as is).
 */
export function renderCredential(format: string, secret: string): string {
  return format.replace(/\{secret\}|\{basic:([^}]*)\}/g, (_match, user: string | undefined) =>
    user === undefined ? secret : base64Utf8(`${user}:${secret}`),
  );
}

/**
 * Returns a copy of `headers` without every header the injection strips (and
 * its own header), compared case-insensitively, and with the real credential
 * set on `injection.header`. Surrounding whitespace is trimmed from the secret
 * (files often end with a newline), and characters no header value can carry
 * (controls, anything above U+00FF) are dropped from the rendered value, so a
 * secret can never split a header line or make the gateway's HTTP stack
 * throw. Pure: the gateway writes the result on the wire.
 */
export function injectCredential(
  headers: HeaderMap,
  injection: CredentialInjection,
  secret: string,
): HeaderMap {
  const header = injection.header.toLowerCase();
  const strip = new Set(injection.strip.map((h) => h.toLowerCase()));
  strip.add(header);
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (strip.has(name.toLowerCase())) continue;
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  const value = renderCredential(injection.format, secret.trim());
  out[header] = value.replace(/[^\t\x20-\x7e\x80-\xff]/g, "");
  return out;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 of the UTF-8 bytes of `text` (no `btoa`, which rejects non-Latin-1). */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${ALPHABET[(n >> 18) & 63]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${ALPHABET[(n >> 18) & 63]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}
