import { sha256Hex } from "../../trpc/context.ts";

/** How many leading characters of a token are kept in clear to tell tokens apart. */
export const tokenPrefixLength = 12;

export interface IssuedToken {
  /** The plaintext, shown once to its owner and never stored. */
  token: string;
  /** SHA-256 hex of the token: the only form stored. */
  hash: string;
  /** Its first characters, stored for display (`gwtk_3kF9aB1`). */
  prefix: string;
}

/**
 * A bearer token `<kind>_<43 base64url characters>` (32 random bytes). Tokens are looked up
 * by their hash, so the comparison happens inside the database index, never in user code.
 */
export function issueToken(randomBytes: (size: number) => Uint8Array, kind: string): IssuedToken {
  const token = `${kind}_${Buffer.from(randomBytes(32)).toString("base64url")}`;
  return { token, hash: sha256Hex(token), prefix: token.slice(0, tokenPrefixLength) };
}
