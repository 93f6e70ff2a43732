import type { Readable, Writable } from "node:stream";

/** The buffered start of a request body, replayed upstream ahead of the rest. */
export interface BodyPrefix {
  chunks: Buffer[];
  bytes: number;
  /** True when the whole body fit (nothing more will come). */
  ended: boolean;
}

/**
 * Reads until `cap` bytes were seen or the body ended, then pauses the stream (the rest
 * stays in the socket: backpressure). Resolves undefined if the agent went away.
 */
export function readBodyPrefix(body: Readable, cap: number): Promise<BodyPrefix | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (value: BodyPrefix | undefined) => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onFail);
      body.off("close", onClose);
      body.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > cap) done({ chunks, bytes, ended: false });
    };
    const onEnd = () => done({ chunks, bytes, ended: true });
    const onFail = () => done(undefined);
    const onClose = () => {
      if (!body.readableEnded) done(undefined);
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onFail);
    body.on("close", onClose);
  });
}

/** The prefix as the connector sees it: at most `cap` bytes, decoded as UTF-8. */
export function prefixText(prefix: BodyPrefix, cap: number): string {
  const all = prefix.chunks.length === 1 ? (prefix.chunks[0] as Buffer) : Buffer.concat(prefix.chunks);
  return all.subarray(0, cap).toString("utf8");
}

/**
 * Sends the body upstream: the buffered prefix first, then the rest of the stream with
 * backpressure. Counts the bytes sent.
 */
export function replayBody(
  body: Readable,
  prefix: BodyPrefix | undefined,
  dest: Writable,
  count: (n: number) => void,
): void {
  if (prefix) {
    for (const c of prefix.chunks) dest.write(c);
    count(prefix.bytes);
    if (prefix.ended) {
      dest.end();
      return;
    }
  }
  body.on("data", (c: Buffer) => count(c.length));
  body.pipe(dest);
}
