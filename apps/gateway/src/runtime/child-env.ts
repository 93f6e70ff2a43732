/**
 * The environment `tf run` gives the wrapped agent: every HTTP client routes
 * through the gateway and trusts its CA, and connector credentials are dummies.
 * Pure: the caller passes the parent environment and the paths.
 */

/** Variables that name a CA bundle file; each is pointed at the gateway bundle. */
export const caBundleVariables = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "AWS_CA_BUNDLE",
  // Also set by common machine images; left alone they would point at roots without the gateway CA.
  "PIP_CERT",
  "HTTPLIB2_CA_CERTS",
  "NIX_SSL_CERT_FILE",
  "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "DENO_CERT",
] as const;

/** Proxy variables pointed at the gateway (both spellings: curl reads only `http_proxy` for http). */
export const proxyVariables = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
] as const;

/**
 * Removed from the child: anything listed there would bypass the gateway and go
 * unaudited. Domains that must not be intercepted belong in `exclude_domains`,
 * which the gateway tunnels blindly and records as bypassed.
 */
export const removedVariables = ["NO_PROXY", "no_proxy"] as const;

export interface ChildEnvInput {
  parent: Readonly<Record<string, string>>;
  /** `http://<agent>:<password>@127.0.0.1:<port>` */
  proxyUrl: string;
  agent: string;
  /** System roots plus the gateway CA (see `ca-bundle.ts`). */
  caBundlePath: string;
  /** `file://` URL of the Node preload (proxy for `fetch`, `node:http(s)`). */
  preloadUrl: string;
  /** Connector credential variables and their dummy values. */
  dummies: Readonly<Record<string, string>>;
}

/** Builds the child's environment from the parent's. Never mutates its input. */
export function buildChildEnv(input: ChildEnvInput): Record<string, string> {
  const env: Record<string, string> = { ...input.parent };
  for (const name of removedVariables) delete env[name];
  for (const name of proxyVariables) env[name] = input.proxyUrl;
  for (const name of caBundleVariables) env[name] = input.caBundlePath;
  env.NODE_OPTIONS = appendNodeOption(input.parent.NODE_OPTIONS, `--import=${input.preloadUrl}`);
  // Node >= 22.21 / 24 honour the proxy variables natively with this; Node 20 uses the preload.
  env.NODE_USE_ENV_PROXY = "1";
  // git (libcurl with CURLAUTH_ANY) otherwise opens each tunnel without credentials first and
  // only retries after a 407, which the gateway audits as an unknown agent's denied CONNECT.
  env.GIT_HTTP_PROXY_AUTHMETHOD = "basic";
  env.TAMEFLARE_AGENT = input.agent;
  for (const [name, value] of Object.entries(input.dummies)) env[name] = value;
  return env;
}

/** Appends an option to `NODE_OPTIONS` once, keeping what was there. */
export function appendNodeOption(existing: string | undefined, option: string): string {
  const current = existing?.trim() ?? "";
  if (current === "") return option;
  if (current.split(/\s+/).includes(option)) return current;
  return `${current} ${option}`;
}

/**
 * Dummy values for every credential variable: the connector's own dummies first
 * (shaped like real keys so SDKs start), then `tf_dummy_<name>` for any
 * `credential: {env: X}` the document names.
 */
export function dummyValues(
  connectorDummies: Readonly<Record<string, string>>,
  credentialEnvNames: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = { ...connectorDummies };
  for (const name of credentialEnvNames) {
    if (out[name] === undefined) out[name] = `tf_dummy_${name.toLowerCase()}`;
  }
  return out;
}
