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
  // Long division by 62³ over the limbs, three digits per step; every intermediate stays
  // below 62³ · 2^32 < 2^53.
  while (a !== 0 || b !== 0 || c !== 0 || d !== 0) {
    let r = a % cube;
    a = (a - r) / cube;
    let cur = r * two32 + b;
    r = cur % cube;
    b = (cur - r) / cube;
    cur = r * two32 + c;
    r = cur % cube;
    c = (cur - r) / cube;
    cur = r * two32 + d;
    r = cur % cube;
    d = (cur - r) / cube;
    const low = r % 62;
    const rest = (r - low) / 62;
    const mid = rest % 62;
    out = `${alphabet[(rest - mid) / 62]}${alphabet[mid]}${alphabet[low]}${out}`;
  }
  let zeros = 0;
  while (zeros < out.length && out.charCodeAt(zeros) === 48) zeros++;
  return (zeros === 0 ? out : out.slice(zeros)).padStart(8, "0");
}

const cube = 62 * 62 * 62;

function limb(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}
