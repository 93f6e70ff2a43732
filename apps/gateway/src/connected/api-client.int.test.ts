import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type LoopbackServer, startLoopbackServer } from "../../../../tests/support/loopback-server.ts";
import { ApiError, GatewayApiClient } from "./api-client.ts";

const answer = JSON.stringify({ result: { data: { accepted: 3, pad: "x".repeat(2_000) } } });
const schema = z.object({ accepted: z.number() });

/**
 * A control plane reached through a front that compresses whatever the client asks for
 * (the dashboard's URL, a reverse proxy): the head and the first bytes at once, the rest
 * when the test releases it.
 */
describe("GatewayApiClient behind a compressing front", () => {
  let server: LoopbackServer;
  let url: string;
  const acceptEncodings: Array<string | undefined> = [];
  let release: (() => void) | undefined;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      acceptEncodings.push(req.headers["accept-encoding"]);
      req.resume();
      const gzipped = gzipSync(answer);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.write(gzipped.subarray(0, 10));
      release = () => res.end(gzipped.subarray(10));
    });
    url = server.url;
  });

  afterAll(() => server.close());

  /** A client whose fetch says when the answer's head has arrived (its body is read next). */
  function client() {
    let headed!: () => void;
    const head = new Promise<void>((resolve) => {
      headed = resolve;
    });
    const api = new GatewayApiClient({
      apiUrl: url,
      token: "gwtk_test",
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        headed();
        return response;
      },
    });
    return { api, head };
  }

  it("asks for uncompressed answers, and still reads a compressed one", async () => {
    const { api, head } = client();
    const call = api.mutation("audit.ingest", { events: [] }, schema);
    await head;
    release?.();
    await expect(call).resolves.toEqual({ accepted: 3 });
    expect(acceptEncodings.at(-1)).toBe("identity");
  });

  it("a call cancelled while its compressed answer is inflated ends as cancelled (it used to hang)", async () => {
    // This hang made `tf run` exit 13 (unsettled top-level await) instead of the agent's code
    // when it stopped while an audit batch's answer was arriving.
    for (let attempt = 0; attempt < 5; attempt++) {
      const { api, head } = client();
      const stop = new AbortController();
      const call = api.mutation("audit.ingest", { events: [] }, schema, { signal: stop.signal });
      await head;
      // One turn: the first bytes are read and the inflater waits for more.
      await new Promise((resolve) => setImmediate(resolve));
      release?.();
      // The last chunk is on the socket: the abort lands while the client inflates it.
      setImmediate(() => stop.abort());
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).message).toMatch(/cancelled$/);
      expect((error as ApiError).retryable).toBe(true);
    }
  });
});
