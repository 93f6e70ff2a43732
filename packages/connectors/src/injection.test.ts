import { describe, expect, it } from "vitest";
import { base64Utf8, injectCredential, renderCredential, resolveInjection } from "./injection.ts";

const bearer = { header: "authorization", format: "Bearer {secret}", strip: ["authorization"] };

describe("injectCredential", () => {
  it("removes the agent's credential whatever its case and sets the real one", () => {
    const out = injectCredential(
      { Authorization: "Bearer tf_dummy_github", AUTHORIZATION: "x", accept: "application/json" },
      bearer,
      "ghp_real",
    );
    expect(out).toEqual({ accept: "application/json", authorization: "Bearer ghp_real" });
  });

  it("removes every strip header and keeps repeated values of the others", () => {
    const out = injectCredential(
      { "x-api-key": ["a", "b"], authorization: "Bearer dummy", "x-trace": ["1", "2"] },
      { header: "x-api-key", format: "{secret}", strip: ["Authorization", "X-Api-Key"] },
      "real",
    );
    expect(out).toEqual({ "x-trace": ["1", "2"], "x-api-key": "real" });
  });

  it("never mutates the headers it is given", () => {
    const headers = { authorization: "Bearer dummy" };
    injectCredential(headers, bearer, "real");
    expect(headers).toEqual({ authorization: "Bearer dummy" });
  });

  it("inserts the secret literally, even when it holds replacement patterns", () => {
    expect(injectCredential({}, bearer, "a$&b$1$$").authorization).toBe("Bearer a$&b$1$$");
  });

  it("trims a trailing newline and drops characters that could split a header line", () => {
    expect(injectCredential({}, bearer, "tok\r\nX-Evil: 1\n").authorization).toBe("Bearer tokX-Evil: 1");
    expect(injectCredential({}, bearer, "tok\u0000\u2028en").authorization).toBe("Bearer token");
  });

  it("renders git Basic auth as base64 of x-access-token:secret", () => {
    const out = injectCredential({}, { ...bearer, format: "Basic {basic:x-access-token}" }, "ghp_abc");
    expect(out.authorization).toBe(`Basic ${Buffer.from("x-access-token:ghp_abc").toString("base64")}`);
  });

  it("keeps a __proto__ header as a plain header", () => {
    const headers = JSON.parse('{"__proto__": "x", "accept": "*/*"}') as Record<string, string>;
    const out = injectCredential(headers, bearer, "s");
    expect(Object.keys(out).sort()).toEqual(["__proto__", "accept", "authorization"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe("renderCredential and base64Utf8", () => {
  it("replaces every {secret} and {basic:user}", () => {
    expect(renderCredential("{secret}|{secret}", "s")).toBe("s|s");
    expect(renderCredential("Basic {basic:u}", "p")).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it.each(["", "a", "ab", "abc", "abcd", "héllo wörld ✓", "🔑 key"])(
    "encodes `%s` as Node's base64 does",
    (text) => {
      expect(base64Utf8(text)).toBe(Buffer.from(text, "utf8").toString("base64"));
    },
  );
});

describe("resolveInjection", () => {
  it("keeps the connector's injection without overrides", () => {
    expect(resolveInjection(bearer, undefined)).toEqual(bearer);
  });

  it("lower-cases an overriding header and strips it as well as the defaults", () => {
    expect(resolveInjection(bearer, { header: "X-Api-Key", format: "Token {secret}" })).toEqual({
      header: "x-api-key",
      format: "Token {secret}",
      strip: ["authorization", "x-api-key"],
    });
  });
});
