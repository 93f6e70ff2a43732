import { TRPCClientError } from "@trpc/client";

export type FailureKind =
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "invalid"
  | "conflict"
  | "rate_limited"
  | "unavailable"
  | "other";

/** An API failure put into words for a person, with per-field messages for forms. */
export interface Failure {
  kind: FailureKind;
  message: string;
  /** Field path (`email`, `rules.0.when`) → what is wrong there. */
  fields: Record<string, string>;
}

interface ErrorData {
  code?: string;
  httpStatus?: number;
  appCode?: string;
  zodIssues?: Array<{ path?: Array<string | number>; message?: string }>;
}

const kindOfCode: Record<string, FailureKind> = {
  UNAUTHORIZED: "unauthorized",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not_found",
  BAD_REQUEST: "invalid",
  CONFLICT: "conflict",
  PRECONDITION_FAILED: "conflict",
  TOO_MANY_REQUESTS: "rate_limited",
  SERVICE_UNAVAILABLE: "unavailable",
  BAD_GATEWAY: "unavailable",
};

/** Turns anything a call threw into a sentence (and field messages when the input was refused). */
export function describeFailure(error: unknown): Failure {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as ErrorData;
    const kind = kindOfCode[data.code ?? ""] ?? "other";
    if (data.zodIssues !== undefined && data.zodIssues.length > 0) {
      const fields: Record<string, string> = {};
      for (const issue of data.zodIssues) {
        const path = (issue.path ?? []).join(".");
        fields[path] ??= issue.message ?? "invalid";
      }
      const first = Object.entries(fields)[0];
      const where = first === undefined || first[0] === "" ? "" : `${first[0]}: `;
      return { kind: "invalid", message: `check the form: ${where}${first?.[1] ?? "invalid"}`, fields };
    }
    if (
      error.cause instanceof TypeError ||
      /fetch failed|Failed to fetch|NetworkError/i.test(error.message)
    ) {
      return {
        kind: "unavailable",
        message: "the dashboard server could not be reached: check your connection",
        fields: {},
      };
    }
    if (data.code === undefined && /JSON|Unable to transform/i.test(error.message)) {
      return {
        kind: "unavailable",
        message: "the API answered with something that is not an API response",
        fields: {},
      };
    }
    return { kind, message: error.message, fields: {} };
  }
  if (error instanceof Error) return { kind: "other", message: error.message, fields: {} };
  return { kind: "other", message: String(error), fields: {} };
}

/** A zod validation result as field messages (the same shape as the API's refusals). */
export function zodFields(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.map((p) => String(p)).join(".");
    fields[path] ??= issue.message;
  }
  return fields;
}
