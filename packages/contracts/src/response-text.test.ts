import { describe, expect, it } from "vitest";
import { responseText } from "./response-text.ts";

/** A response whose body sends `first` and then waits: for more, for an error, or forever. */
function streaming(first: string) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(new TextEncoder().encode(first));
    },
  });
  return { response: new Response(body), controller };
}

// The undici case this guards against (a compressed body that never settles after an abort)
// needs a socket: apps/gateway's api-client.int.test.ts reproduces it over loopback.
describe("responseText", () => {
  it("reads the body to its end", async () => {
    const { response, controller } = streaming('{"ok":');
    const text = responseText(response, new AbortController().signal);
    controller.enqueue(new TextEncoder().encode("true}"));
    controller.close();
    await expect(text).resolves.toBe('{"ok":true}');
  });

  it("settles with the abort reason while the body is still pending", async () => {
    const { response } = streaming('{"ok":');
    const stop = new AbortController();
    const text = responseText(response, stop.signal);
    stop.abort(new DOMException("no answer in 15000 ms", "TimeoutError"));
    await expect(text).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("rejects at once when the signal has already aborted", async () => {
    const { response } = streaming("{");
    await expect(responseText(response, AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
  });

  it("rejects with the body's own error", async () => {
    const { response, controller } = streaming("{");
    const text = responseText(response, new AbortController().signal);
    controller.error(new TypeError("terminated"));
    await expect(text).rejects.toThrow("terminated");
  });

  it("a body that ends after the abort changes nothing", async () => {
    const { response, controller } = streaming("{");
    const stop = new AbortController();
    const text = responseText(response, stop.signal);
    stop.abort();
    controller.enqueue(new TextEncoder().encode("}"));
    controller.close();
    await expect(text).rejects.toMatchObject({ name: "AbortError" });
  });
});
