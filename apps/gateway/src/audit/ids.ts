import { randomFillSync } from "node:crypto";
import { type IdKind, idPrefixes } from "@tameflare/contracts";

/**
 * Random ids for the hot path (`req_…` per request, `evt_…` per audit event), in exactly the
 * format of contracts' `makeId(kind, randomBytes(16))`: the prefix, `_`, and base62 of 16
 * random bytes. Two things make it cheap: the CSPRNG is asked for 4 KiB at a time (as
 * Node's `randomUUID` does) instead of a `randomBytes` call (and a `getpid`) per id, and
 * base62 runs on four 32-bit limbs instead of a BigInt.
 */
export function newId(kind: IdKind): string {
  if (offset === poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const body = base62Of16(pool, offset);
  offset += 16;
  return `${idPrefixes[kind]}_${body}`;
}

const poolSize = 16 * 256;
const pool = Buffer.alloc(poolSize);
let offset = poolSize;

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const two32 = 4294967296;

/**
 * Base62 of the 128-bit big-endian number in `bytes[at..at+16)`, without leading zeros and
 * padded to 8 characters: the same text as contracts' `makeId` body for those bytes.
 */
export function base62Of16(bytes: Uint8Array, at = 0): string {
  let a = limb(bytes, at);
  let b = limb(bytes, at + 4);
  let c = limb(bytes, at + 8);
  let d = limb(bytes, at + 12);
  let out = "";
  // Long division by 62 over the limbs; every intermediate stays below 62 · 2^32 < 2^53.
  while (a !== 0 || b !== 0 || c !== 0 || d !== 0) {
    let r = a % 62;
    a = (a - r) / 62;
    let cur = r * two32 + b;
    r = cur % 62;
    b = (cur - r) / 62;
    cur = r * two32 + c;
    r = cur % 62;
    c = (cur - r) / 62;
    cur = r * two32 + d;
    r = cur % 62;
    d = (cur - r) / 62;
    out = alphabet[r] + out;
  }
  return out.padStart(8, "0");
}

function limb(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}
