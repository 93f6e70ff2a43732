/**
 * Replaces a secret's bytes in a byte stream, also when the secret is split across chunk
 * boundaries. The replacement has the secret's length, so Content-Length stays true.
 * Only a tail that could start the secret is held back (usually nothing), so streamed
 * events (SSE) are never delayed. Cheap when the secret is absent: one `indexOf` per chunk.
 */
export class StreamRedactor {
  readonly #secret: Buffer;
  readonly #mask: Buffer;
  #carry: Buffer | undefined;

  /** `compiled`: the secret's bytes and mask, when the caller keeps them across streams. */
  constructor(secret: string, compiled?: CompiledSecret) {
    this.#secret = compiled?.secret ?? Buffer.from(secret, "utf8");
    this.#mask = compiled?.mask ?? redactionMask(this.#secret.length);
  }

  /** Returns the bytes safe to emit now (possibly empty). */
  push(chunk: Buffer): Buffer {
    let data = chunk;
    if (this.#carry) {
      data = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    const secret = this.#secret;
    let at = data.indexOf(secret);
    if (at !== -1) {
      // Copy before writing: the chunk may be shared with other consumers.
      if (data === chunk) data = Buffer.from(chunk);
      while (at !== -1) {
        this.#mask.copy(data, at);
        at = data.indexOf(secret, at + secret.length);
      }
    }
    const hold = partialSuffix(data, secret);
    if (hold === 0) return data;
    this.#carry = Buffer.from(data.subarray(data.length - hold));
    return data.subarray(0, data.length - hold);
  }

  /** The held-back tail at the end of the stream (it never completed the secret). */
  flush(): Buffer {
    const rest = this.#carry ?? Buffer.alloc(0);
    this.#carry = undefined;
    return rest;
  }
}

/** Length of the longest proper prefix of `secret` that ends `data`. */
function partialSuffix(data: Buffer, secret: Buffer): number {
  const first = secret[0];
  const max = Math.min(secret.length - 1, data.length);
  for (let k = max; k > 0; k--) {
    const start = data.length - k;
    if (data[start] !== first) continue;
    if (data.compare(secret, 0, k, start, data.length) === 0) return k;
  }
  return 0;
}

const label = "[REDACTED-BY-TAMEFLARE]";

/** Same-length replacement: the label, cut or padded with `*`. */
export function redactionMask(length: number): Buffer {
  return Buffer.from(
    label.length >= length ? label.slice(0, length) : label + "*".repeat(length - label.length),
  );
}

/** Replaces the secret in a header value (same length). */
export function redactText(text: string, secret: string): string {
  return text.includes(secret) ? text.split(secret).join(redactionMask(secret.length).toString()) : text;
}

/** A secret's bytes and their same-length mask. */
export interface CompiledSecret {
  secret: Buffer;
  mask: Buffer;
}

/**
 * Redaction for one set of secrets, prepared once and used for every response carrying
 * them: `stream()` makes a fresh body redactor (or undefined), `text` redacts header values.
 */
export interface Redaction {
  stream(): Pick<StreamRedactor, "push" | "flush"> | undefined;
  text: ((value: string) => string) | undefined;
}

export function createRedaction(secrets: readonly string[]): Redaction {
  const list = secrets.filter((s) => s.length > 0);
  if (list.length === 0) return { stream: () => undefined, text: undefined };
  const compiled = list.map((s) => {
    const secret = Buffer.from(s, "utf8");
    return { secret, mask: redactionMask(secret.length) };
  });
  return { stream: () => chainOf(list, compiled), text: createTextRedactor(list) };
}

/** Redacts several secrets (a chain of redactors); undefined when there is nothing to hide. */
export function createRedactor(
  secrets: readonly string[],
): Pick<StreamRedactor, "push" | "flush"> | undefined {
  return chainOf(secrets.filter((s) => s.length > 0));
}

function chainOf(
  list: readonly string[],
  compiled?: readonly CompiledSecret[],
): Pick<StreamRedactor, "push" | "flush"> | undefined {
  const chain = list.map((s, i) => new StreamRedactor(s, compiled?.[i]));
  if (chain.length === 0) return undefined;
  if (chain.length === 1) return chain[0];
  return {
    push(chunk: Buffer): Buffer {
      let out = chunk;
      for (const r of chain) out = r.push(out);
      return out;
    },
    flush(): Buffer {
      let out: Buffer = Buffer.alloc(0);
      for (const r of chain) out = out.length > 0 ? Buffer.concat([r.push(out), r.flush()]) : r.flush();
      return out;
    },
  };
}

/** Redacts several secrets in a header value; undefined when there is nothing to hide. */
export function createTextRedactor(secrets: readonly string[]): ((value: string) => string) | undefined {
  const list = secrets.filter((s) => s.length > 0);
  if (list.length === 0) return undefined;
  return (value) => {
    let out = value;
    for (const s of list) out = redactText(out, s);
    return out;
  };
}
