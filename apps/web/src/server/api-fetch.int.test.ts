import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../../../../tests/support/loopback-server.ts";
import { apiFetch } from "./api-fetch.ts";

// A stand-in API on 127.0.0.1 that answers, stalls before its head, or stalls mid-body.
describe("apiFetch: the dashboard server's calls to the API end, whatever the API does", () => {
  let api: LoopbackServer;
  let url = "";

  beforeAll(async () => {
    api = await startLoopbackServer((req, res) => {
      if (req.url === "/silent") return; // accepted, never answered
      if (req.url === "/stalled-body") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"result":');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    url = api.url;
  });

  afterAll(() => api.close());

  it("passes an answer through", async () => {
    const response = await apiFetch(2_000)(`${url}/ok`);
    await expect(response.json()).resolves.toEqual({ ok: true });
  });

  it("gives up on an API that accepts the connection and never answers", async () => {
    await expect(apiFetch(200)(`${url}/silent`)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("gives up on an answer whose body stops coming", async () => {
    const response = await apiFetch(200)(`${url}/stalled-body`);
    await expect(response.text()).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("still ends when the caller's own signal aborts first", async () => {
    const caller = new AbortController();
    const call = apiFetch(60_000)(`${url}/silent`, { signal: caller.signal });
    caller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
  });
});
