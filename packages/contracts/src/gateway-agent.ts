import { z } from "zod";
import { actionSchema } from "./action.ts";
import { publicJwkSchema, timestampSchema } from "./domain.ts";
import { approvalStatusSchema, roleSchema } from "./enums.ts";

/**
 * What a connected gateway and the API say to each other over tRPC's HTTP conventions
 * (`POST /trpc/<path>` for mutations, `GET /trpc/<path>?input=…` for queries, with
 * `Authorization: Bearer gwtk_…`). The API parses its inputs with these schemas and the
 * gateway parses the answers with them, so neither side imports the other.
 */

/** JWS `typ` of a signed bundle (compact JWS, EdDSA over Ed25519, `kid` of the API key). */
export const bundleJwsType = "tameflare-bundle+jws";
/** JWS algorithm of bundles. */
export const bundleSigningAlgorithm = "EdDSA";
/** JWE key management of a credential sealed to a gateway's encryption key. */
export const credentialJweAlgorithm = "ECDH-ES";
/** JWE content encryption of a sealed credential. */
export const credentialJweEncryption = "A256GCM";
/** Protected JWE header member naming the connector a sealed credential belongs to. */
export const credentialJweConnectorHeader = "tf_connector";
/** Longest a `gatewayAgent.pollBundle` call is held open, in milliseconds. */
export const maxBundleWaitMs = 25_000;

/** `gatewayAgent.register` (sent by `tf init`): the public halves of the keys the gateway made. */
export const gatewayRegisterInputSchema = z.object({
  /** The gateway id the operator typed: refused when the token belongs to another gateway. */
  gateway_id: z.string().min(1).max(128),
  /** Ed25519 (`kty: OKP`, `crv: Ed25519`), public members only. */
  signing_public_jwk: publicJwkSchema,
  /** ECDH-ES key agreement: P-256 (`kty: EC`) or X25519 (`kty: OKP`), public members only. */
  encryption_public_jwk: publicJwkSchema,
});
export type GatewayRegisterInput = z.infer<typeof gatewayRegisterInputSchema>;

/** The API's bundle-signing public key, as a gateway pins it. */
export const apiSigningKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.literal(bundleSigningAlgorithm),
  jwk: publicJwkSchema,
});
export type ApiSigningKey = z.infer<typeof apiSigningKeySchema>;

export const gatewayRegisterResultSchema = z.object({
  gateway_id: z.string(),
  gateway_name: z.string(),
  org_id: z.string(),
  api_signing_key: apiSigningKeySchema,
  /**
   * Bundles numbered at or below this were sealed to keys from before this registration:
   * the gateway never applies them (0: none were issued yet).
   */
  min_bundle_version: z.number().int().nonnegative(),
});
export type GatewayRegisterResult = z.infer<typeof gatewayRegisterResultSchema>;

/** `gatewayAgent.pollBundle`: the version the gateway holds (0: none). */
export const bundlePollInputSchema = z.object({
  since: z.number().int().nonnegative(),
  /** How long to wait for a newer bundle at most (default and maximum `maxBundleWaitMs`). */
  timeout_ms: z.number().int().min(0).max(maxBundleWaitMs).optional(),
});
export type BundlePollInput = z.infer<typeof bundlePollInputSchema>;

export const bundlePollResultSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("bundle"),
    version: z.number().int().positive(),
    /** Compact JWS of a `BundlePayload`. */
    jws: z.string().min(1),
    expires_at: timestampSchema,
  }),
  /** Nothing newer than `since` (yet); `version` is the newest the API has (0: none). */
  z.object({ status: z.literal("not_modified"), version: z.number().int().nonnegative() }),
]);
export type BundlePollResult = z.infer<typeof bundlePollResultSchema>;

/** `gatewayAgent.ackBundle`: the version the gateway now enforces. */
export const bundleAckInputSchema = z.object({ version: z.number().int().positive() });
export type BundleAckInput = z.infer<typeof bundleAckInputSchema>;

export const bundleAckResultSchema = z.object({ ok: z.literal(true) });

/** `approvals.create` as a gateway sends it (the action as parsed: never bodies or credentials). */
export const gatewayApprovalCreateSchema = z.object({
  /** The gateway's request id: a retried create returns the same approval. */
  request_id: z.string().min(1).max(128),
  agent: z.string().min(1).max(256),
  action: actionSchema,
  rule: z.string().max(512).nullish(),
  reason: z.string().max(2048).nullish(),
  risk_score: z.number().min(0).max(100).nullish(),
  timeout_seconds: z.number().int().min(1).optional(),
  approver_roles: z.array(roleSchema).min(1).max(4).optional(),
});
export type GatewayApprovalCreate = z.infer<typeof gatewayApprovalCreateSchema>;

/** What `approvals.create` and `approvals.wait` tell the gateway about an approval. */
export const gatewayApprovalStateSchema = z.object({
  approval_id: z.string(),
  status: approvalStatusSchema,
  expires_at: timestampSchema,
  decided_at: timestampSchema.nullable(),
  decided_by: z.string().nullable(),
  decided_via: z.string().nullable(),
  note: z.string().nullable(),
});
export type GatewayApprovalState = z.infer<typeof gatewayApprovalStateSchema>;

/** `approvals.wait`: long-poll for the decision. */
export const gatewayApprovalWaitSchema = z.object({
  approval_id: z.string().min(1).max(128),
  timeout_ms: z.number().int().min(0).max(25_000).optional(),
});

/** `audit.ingest`'s answer: the batch is stored in the ingest queue (not yet in the database). */
export const auditIngestResultSchema = z.object({ accepted: z.number().int().nonnegative() });

/** `audit.ingestStatus`'s answer: how much of each shipped seq range is stored. */
export const auditIngestStatusResultSchema = z.object({
  ranges: z.array(
    z.object({
      chain_id: z.string(),
      from_seq: z.number().int().nonnegative(),
      to_seq: z.number().int().nonnegative(),
      stored: z.number().int().nonnegative(),
      complete: z.boolean(),
    }),
  ),
});
