import { describe, expect, it } from "vitest";
import { snapshotOfRequest } from "./request-snapshot.ts";

describe("snapshotOfRequest", () => {
  it("keeps the raw path and query and the default port", () => {
    expect(snapshotOfRequest({ request: "get https://api.github.com/repos/a/../b?x=1" })).toMatchObject({
      ok: true,
      snapshot: {
        method: "GET",
        scheme: "https",
        host: "api.github.com",
        port: 443,
        path: "/repos/a/../b",
        query: "x=1",
      },
    });
  });

  it("guesses JSON and form bodies when no content type is given", () => {
    const json = snapshotOfRequest({ request: "POST http://localhost:8080/v1", body: '{"a":1}' });
    expect(json).toMatchObject({
      ok: true,
      snapshot: { port: 8080, contentType: "application/json", body: { text: '{"a":1}', truncated: false } },
    });
    const form = snapshotOfRequest({
      request: "POST https://api.stripe.com/v1/refunds",
      body: "charge=ch_1&amount=500",
    });
    expect(form).toMatchObject({ ok: true, snapshot: { contentType: "application/x-www-form-urlencoded" } });
  });

  const bad = ["GET", "https://x.example/", "GET ftp://x.example/", "GET https://"];
  for (const request of bad) {
    it(`refuses \`${request}\` with a message`, () => {
      expect(snapshotOfRequest({ request })).toMatchObject({ ok: false, message: expect.any(String) });
    });
  }
});
