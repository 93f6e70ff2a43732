import { randomFillSync } from "node:crypto";
import { type IdKind, idPrefixes } from "@tameflare/contracts";

/**
 * Random ids for the hot path (`req_…` per request, `evt_…` per audit event): the prefix,
 * `_`, and 22 base62 characters, each drawn uniformly from the CSPRNG (about 131 bits, as
 * many as contracts' `makeId` gets from 16 bytes; any body of base62 characters is a valid
 * id). Two things make it cheap: random bytes come 4 KiB at a time (as Node's `randomUUID`
 * does) instead of a `randomBytes` call per id, and a byte maps to a character by a table
 * lookup instead of a 128-bit long division (that cost ~1 µs per id, twice per request).
 */
export function newId(kind: IdKind): string {
  let body = "";
  while (body.length < idLength) {
    if (offset === poolSize) {
      randomFillSync(pool);
      offset = 0;
    }
    const byte = pool[offset++] as number;
    // 248 = 4 × 62: bytes above it would favour the first 8 characters; they are skipped.
    if (byte < 248) body += alphabet[byte % 62];
  }
  return `${idPrefixes[kind]}_${body}`;
}

const idLength = 22;
const poolSize = 4096;
const pool = Buffer.alloc(poolSize);
let offset = poolSize;

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
