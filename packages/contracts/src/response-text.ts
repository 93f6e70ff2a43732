/**
 * A fetch response's body as text, or `signal`'s reason as soon as it aborts.
 *
 * `response.text()` alone is not enough: Node 20's fetch (undici 6) leaves a gzip- or
 * deflate-encoded body pending forever when the request's signal aborts while the last chunk
 * is being decompressed. Nothing holds the event loop then, so a caller awaiting it never
 * resumes: a timed-out call hangs, and a process awaiting its shutdown exits with code 13
 * (unsettled top-level await). Every fetch whose body is read under a signal reads it here.
 */
export function responseText(response: Response, signal: AbortSignal): Promise<string> {
  const body = response.text();
  if (signal.aborted) {
    body.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      body.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    body.then(
      (text) => {
        signal.removeEventListener("abort", onAbort);
        resolve(text);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
