import { responseText } from "@tameflare/contracts";
import type { z } from "zod";

/** Why a call to the API failed: the network, an error answer, or an answer that did not parse. */
export type ApiErrorKind = "network" | "http" | "invalid_response";

/**
 * A failed call. `message` is one line safe to log (never the token); `retryable` says
 * whether trying again later may help (network trouble, 5xx, 429).
 */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status of an error answer. */
  readonly status: number | undefined;
  /** tRPC error code (`UNAUTHORIZED`, `FORBIDDEN`, …) of an error answer. */
  readonly code: string | undefined;
  readonly retryable: boolean;

  constructor(
    kind: ApiErrorKind,
    message: string,
    options: { status?: number; code?: string; retryable: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.kind = kind;
    this.status = options.status;
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Gives up after this long (the long-polls pass their wait plus a margin). Default 15 s. */
  timeoutMs?: number;
}

export interface GatewayApiClientOptions {
  /** `http(s)://host:port` of the API (a path prefix is kept). */
  apiUrl: string;
  /** The `gwtk_…` token. */
  token: string;
  fetch?: typeof fetch;
}

interface TrpcErrorBody {
  error?: { message?: unknown; data?: { code?: unknown; httpStatus?: unknown } };
}

/**
 * The gateway's only way to the control plane: plain `fetch` over tRPC's HTTP conventions
 * (`POST /trpc/<path>` with the JSON input for mutations, `GET /trpc/<path>?input=…` for
 * queries, `Authorization: Bearer gwtk_…`), every answer parsed with a contracts schema.
 */
export class GatewayApiClient {
  readonly apiUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: GatewayApiClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  query<S extends z.ZodType>(
    path: string,
    input: unknown,
    schema: S,
    options: CallOptions = {},
  ): Promise<z.output<S>> {
    const url = `${this.apiUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.#call(path, url, { method: "GET" }, schema, options);
  }

  mutation<S extends z.ZodType>(
    path: string,
    input: unknown,
    schema: S,
    options: CallOptions = {},
  ): Promise<z.output<S>> {
    const url = `${this.apiUrl}/trpc/${path}`;
    return this.#call(
      path,
      url,
      { method: "POST", body: JSON.stringify(input), headers: { "content-type": "application/json" } },
      schema,
      options,
    );
  }

  async #call<S extends z.ZodType>(
    path: string,
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
    schema: S,
    options: CallOptions,
  ): Promise<z.output<S>> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        ...init,
        headers: {
          ...init.headers,
          authorization: `Bearer ${this.#token}`,
          accept: "application/json",
          // Answers are small JSON; uncompressed, a cancelled read cannot stall in the inflater.
          "accept-encoding": "identity",
        },
        signal,
      });
      text = await responseText(response, signal);
    } catch (error) {
      const reason = timeout.aborted
        ? `no answer in ${options.timeoutMs ?? 15_000} ms`
        : options.signal?.aborted
          ? "cancelled"
          : networkReason(error);
      throw new ApiError("network", `\`${path}\`: cannot reach the API at ${this.apiUrl}: ${reason}`, {
        retryable: true,
        cause: error,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (error) {
      throw new ApiError(
        "invalid_response",
        `\`${path}\`: the API answered ${response.status} with a body that is not JSON (is ${this.apiUrl} a TameFlare API?)`,
        { status: response.status, retryable: response.status >= 500, cause: error },
      );
    }
    if (!response.ok) {
      const err = (body as TrpcErrorBody).error;
      const code = typeof err?.data?.code === "string" ? err.data.code : undefined;
      const message = typeof err?.message === "string" ? err.message : `HTTP ${response.status}`;
      throw new ApiError("http", `\`${path}\`: ${message}`, {
        status: response.status,
        ...(code === undefined ? {} : { code }),
        retryable: response.status >= 500 || response.status === 429 || response.status === 408,
      });
    }
    const data = (body as { result?: { data?: unknown } }).result?.data;
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        "invalid_response",
        `\`${path}\`: unexpected answer: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}`,
        { status: response.status, retryable: false },
      );
    }
    return parsed.data;
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Exponential backoff with jitter: `attempt` 0 → ~`baseMs`, doubling up to `maxMs`. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts (a retry pause, never a test sleep). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
