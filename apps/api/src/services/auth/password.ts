import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum for scrypt), 32-byte key, 16-byte salt. */
const params = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;
const saltLength = 16;
const maxmem = 64 * 1024 * 1024;

export const minPasswordLength = 12;
export const maxPasswordLength = 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, length, { ...options, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Hashes a password with scrypt and a fresh per-user salt. The stored text carries its
 * parameters (`scrypt$N$r$p$salt$hash`, base64) so the cost can rise without breaking old hashes.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, params, keyLength);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/**
 * Checks a password against a stored hash in constant time. A malformed stored hash never
 * matches. Runs the full derivation either way so the timing does not reveal which it was.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  const [scheme, n, r, p, saltText, hashText] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const wellFormed =
    parts.length === 6 &&
    scheme === "scrypt" &&
    Number.isInteger(N) &&
    N >= 2 ** 14 &&
    N <= 2 ** 20 &&
    Number.isInteger(R) &&
    R >= 1 &&
    R <= 32 &&
    Number.isInteger(P) &&
    P >= 1 &&
    P <= 16;
  const expected = wellFormed ? Buffer.from(hashText ?? "", "base64") : Buffer.alloc(keyLength);
  const salt = wellFormed ? Buffer.from(saltText ?? "", "base64") : Buffer.alloc(saltLength);
  const key = await derive(
    password,
    salt,
    wellFormed ? { N, r: R, p: P } : params,
    expected.length || keyLength,
  );
  return wellFormed && expected.length > 0 && timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of no real password, verified against when the email is unknown so that a login
 * for a missing account costs the same time as one for an existing account.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString("base64"));
  return dummyHash;
}
