/** Types of `fakes.mjs` for TypeScript callers (the tests). */

export type FakeService = "github" | "stripe" | "openai" | "slack";

/** What the request's `Authorization` carried: the real key, a `tf_dummy_…`, nothing, or anything else. */
export type CredentialSeen = "real" | "dummy" | "missing" | "wrong";

export interface FakeServiceOptions {
  /** The real key this fake accepts; every other credential gets the API's 401 JSON. */
  key: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface FakesOptions {
  github?: FakeServiceOptions;
  stripe?: FakeServiceOptions;
  openai?: FakeServiceOptions;
  slack?: FakeServiceOptions;
  /** Where to write the CA certificate (PEM); default a fresh temp dir. Removed by `close()`. */
  caPath?: string;
  /** Called after each request is answered. */
  onHit?: (hit: FakeHit) => void;
}

/** One request a fake answered (never the credential itself). */
export interface FakeHit {
  service: FakeService;
  method: string;
  path: string;
  /** The query string with its `?`, or "". */
  query: string;
  credential: CredentialSeen;
  /** `X-TameFlare-Agent` as the gateway set it, or null. */
  agent: string | null;
  requestId: string | null;
  contentType: string | null;
  /** JSON or form fields parsed; other text as is; null when empty or over 1 MiB. */
  body: unknown;
  status: number;
}

export interface Fakes {
  /** `https://127.0.0.1:<port>` of each fake started. */
  urls: Partial<Record<FakeService, string>>;
  caPath: string;
  caPem: string;
  hits: FakeHit[];
  close(): Promise<void>;
}

export const fakeServices: readonly FakeService[];
export const exampleKeys: Readonly<Record<FakeService, string>>;
export const keyEnv: Readonly<Record<FakeService, string>>;
export function startFakes(options: FakesOptions): Promise<Fakes>;
export function classifyCredential(authorization: string | undefined, key: string): CredentialSeen;
