import { describe, expect, it } from "vitest";
import { appendNodeOption, buildChildEnv, caBundleVariables, dummyValues } from "./child-env.ts";

const base = {
  proxyUrl: "http://bot:pw@127.0.0.1:4100",
  agent: "bot",
  caBundlePath: "/tf/runtime/ca-bundle-1.pem",
  preloadUrl: "file:///opt/tf/preload.mjs",
  dummies: { GITHUB_TOKEN: "tf_dummy_github_token" },
};

describe("buildChildEnv", () => {
  it("points every proxy variable, in both spellings, at the gateway", () => {
    const env = buildChildEnv({
      ...base,
      parent: { HTTP_PROXY: "http://corp:3128", https_proxy: "http://corp:3128" },
    });
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]) {
      expect(env[name]).toBe(base.proxyUrl);
    }
  });

  it("overrides every ca variable the machine already sets with the gateway bundle", () => {
    const parent = Object.fromEntries(
      caBundleVariables.map((name) => [name, "/etc/ssl/certs/ca-certificates.crt"]),
    );
    const env = buildChildEnv({ ...base, parent });
    for (const name of caBundleVariables) expect(env[name]).toBe(base.caBundlePath);
    for (const name of [
      "NODE_EXTRA_CA_CERTS",
      "SSL_CERT_FILE",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "GIT_SSL_CAINFO",
      "AWS_CA_BUNDLE",
    ]) {
      expect(env[name]).toBe(base.caBundlePath);
    }
  });

  it("removes no_proxy so nothing bypasses the gateway unaudited", () => {
    const env = buildChildEnv({ ...base, parent: { NO_PROXY: "localhost,.corp", no_proxy: "*" } });
    expect(env.NO_PROXY).toBeUndefined();
    expect(env.no_proxy).toBeUndefined();
  });

  it("appends the preload to existing NODE_OPTIONS and enables the native env proxy", () => {
    const env = buildChildEnv({ ...base, parent: { NODE_OPTIONS: "--max-old-space-size=512" } });
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=512 --import=file:///opt/tf/preload.mjs");
    expect(env.NODE_USE_ENV_PROXY).toBe("1");
  });

  it("replaces a real credential in the parent with its dummy", () => {
    const env = buildChildEnv({ ...base, parent: { GITHUB_TOKEN: "ghp_real", PATH: "/usr/bin" } });
    expect(env.GITHUB_TOKEN).toBe("tf_dummy_github_token");
    expect(env.PATH).toBe("/usr/bin");
    expect(env.TAMEFLARE_AGENT).toBe("bot");
    expect(env.GIT_HTTP_PROXY_AUTHMETHOD).toBe("basic");
  });

  it("never mutates the parent environment", () => {
    const parent = { NO_PROXY: "x", GITHUB_TOKEN: "real" };
    buildChildEnv({ ...base, parent });
    expect(parent).toEqual({ NO_PROXY: "x", GITHUB_TOKEN: "real" });
  });
});

describe("appendNodeOption", () => {
  it.each([
    { name: "empty", existing: undefined, expected: "--import=x" },
    { name: "blank", existing: "  ", expected: "--import=x" },
    { name: "kept", existing: "--inspect", expected: "--inspect --import=x" },
    { name: "not twice (nested tf run)", existing: "--import=x --inspect", expected: "--import=x --inspect" },
  ])("$name", ({ existing, expected }) => {
    expect(appendNodeOption(existing, "--import=x")).toBe(expected);
  });
});

describe("dummyValues", () => {
  it("keeps the connector's dummies and fills credential env names with tf_dummy_", () => {
    expect(
      dummyValues({ STRIPE_SECRET_KEY: "sk_test_tf_dummy" }, ["STRIPE_SECRET_KEY", "EXAMPLE_KEY"]),
    ).toEqual({
      STRIPE_SECRET_KEY: "sk_test_tf_dummy",
      EXAMPLE_KEY: "tf_dummy_example_key",
    });
  });
});
