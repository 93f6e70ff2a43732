import { z } from "zod";

export const riskLevels = ["low", "medium", "high"] as const;
export const riskLevelSchema = z.enum(riskLevels);
export type RiskLevel = z.infer<typeof riskLevelSchema>;

/**
 * A typed action: what an HTTP request means. `type` is `provider.resource.verb`
 * (`github.pr.merge`); `parameters` carries the fields policies match on.
 */
export const actionSchema = z.object({
  type: z.string().min(1).max(512),
  connector: z.string().min(1).max(128),
  resource: z.string().max(2048),
  parameters: z.record(z.string(), z.unknown()),
  risk: riskLevelSchema,
  read: z.boolean(),
});
export type Action = z.infer<typeof actionSchema>;

/**
 * What a connector sees of a request. The body is only a size-capped prefix of
 * the request body, decoded as UTF-8; `truncated` says whether more followed.
 */
export const requestSnapshotSchema = z.object({
  method: z.string().min(1),
  scheme: z.enum(["http", "https", "ws", "wss"]),
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  /** Raw path as received (may be percent-encoded, may hold dot segments). */
  path: z.string(),
  /** Raw query string without the leading `?`; empty when absent. */
  query: z.string(),
  /** Lower-cased header names; repeated headers keep every value. */
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  contentType: z.string().optional(),
  body: z
    .object({
      text: z.string(),
      truncated: z.boolean(),
      /** Declared total length when known (Content-Length). */
      totalBytes: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** True for a WebSocket upgrade request. */
  upgrade: z.boolean().optional(),
});
export type RequestSnapshot = z.infer<typeof requestSnapshotSchema>;

/** How a connector's real credential goes on the wire. */
export const credentialInjectionSchema = z.object({
  /** Lower-case header name the credential is written to. */
  header: z.string().min(1),
  /** Template with `{secret}`, e.g. `Bearer {secret}`. */
  format: z.string().includes("{secret}"),
  /** Agent-supplied headers removed before injection (lower-case). */
  strip: z.array(z.string()),
});
export type CredentialInjection = z.infer<typeof credentialInjectionSchema>;

/** Connector parse outcome. Never thrown: failures are values. */
export type ParseResult =
  | { ok: true; actions: [Action, ...Action[]] }
  | { ok: false; code: ParseErrorCode; message: string };

export const parseErrorCodes = [
  "unknown_host",
  "unknown_route",
  "bad_body",
  "body_truncated",
  "bad_request",
] as const;
export type ParseErrorCode = (typeof parseErrorCodes)[number];
