import { TRPCError } from "@trpc/server";

export const appErrorCodes = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "precondition_failed",
  "rate_limited",
  "unavailable",
  "internal",
] as const;
export type AppErrorCode = (typeof appErrorCodes)[number];

type TrpcCode = TRPCError["code"];

/** The one table mapping an app error code to HTTP and tRPC status. */
export const appErrorStatus: Record<AppErrorCode, { http: number; trpc: TrpcCode }> = {
  bad_request: { http: 400, trpc: "BAD_REQUEST" },
  unauthorized: { http: 401, trpc: "UNAUTHORIZED" },
  forbidden: { http: 403, trpc: "FORBIDDEN" },
  not_found: { http: 404, trpc: "NOT_FOUND" },
  conflict: { http: 409, trpc: "CONFLICT" },
  precondition_failed: { http: 412, trpc: "PRECONDITION_FAILED" },
  rate_limited: { http: 429, trpc: "TOO_MANY_REQUESTS" },
  unavailable: { http: 503, trpc: "SERVICE_UNAVAILABLE" },
  internal: { http: 500, trpc: "INTERNAL_SERVER_ERROR" },
};

/**
 * The one error apps throw across request/response boundaries. `message` is for
 * logs; `userMessage` (when set) is safe to show; unknown errors become a
 * generic 500 whose cause is logged and never echoed.
 */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly userMessage: string | undefined;
  readonly retryable: boolean;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { userMessage?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = options.userMessage;
    this.retryable = options.retryable ?? false;
  }

  /** What a client may see: the user message, else the message for 4xx, else a generic line. */
  publicMessage(): string {
    if (this.userMessage !== undefined) return this.userMessage;
    return appErrorStatus[this.code].http < 500 ? this.message : "internal error";
  }
}

/** Converts anything thrown into a TRPCError without leaking internals. */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof AppError) {
    return new TRPCError({
      code: appErrorStatus[error.code].trpc,
      message: error.publicMessage(),
      cause: error,
    });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error", cause: error });
}
