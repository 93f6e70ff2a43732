import { describe, expect, it } from "vitest";
import { snapshotFromRequest } from "./request-snapshot.ts";

describe("snapshotFromRequest", () => {
  it("builds what a connector sees: raw path, query, lower-case headers, host header, body", () => {
    const result = snapshotFromRequest(
      "post https://API.github.com/repos/a/b/../c/pulls?state=open",
      ["Content-Type: application/json", "X-Multi: 1", "x-multi: 2"],
      '{"title":"t"}',
    );
    expect(result).toEqual({
      ok: true,
      snapshot: {
        method: "POST",
        scheme: "https",
        host: "api.github.com",
        port: 443,
        path: "/repos/a/b/../c/pulls",
        query: "state=open",
        headers: { "content-type": "application/json", "x-multi": ["1", "2"], host: "api.github.com" },
        contentType: "application/json",
        body: { text: '{"title":"t"}', truncated: false, totalBytes: 13 },
      },
    });
  });

  it("keeps an explicit port and defaults http to 80", () => {
    const a = snapshotFromRequest("GET http://localhost:8080/api", [], undefined);
    const b = snapshotFromRequest("GET http://localhost/api", [], undefined);
    expect(a.ok && a.snapshot.port).toBe(8080);
    expect(b.ok && b.snapshot.port).toBe(80);
  });

  it.each([
    { request: "https://x.example/", message: 'expected "METHOD URL"' },
    { request: "GET not-a-url", message: "not a url" },
    { request: "GET ftp://x.example/", message: "unsupported scheme `ftp`" },
  ])("rejects `$request`", ({ request, message }) => {
    const result = snapshotFromRequest(request, [], undefined);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });
});
