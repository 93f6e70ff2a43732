import {
  type BundlePayload,
  bundleJwsType,
  bundlePayloadSchema,
  bundleSigningAlgorithm,
  credentialJweAlgorithm,
  credentialJweConnectorHeader,
  credentialJweEncryption,
  type PolicyDocument,
} from "@tameflare/contracts";
import { compactDecrypt, compactVerify, decodeProtectedHeader } from "jose";
import {
  type CompiledPolicy,
  type ConnectorRegistry,
  compilePolicy,
  createConnectorRegistry,
  validatePolicyDocument,
} from "../config/engine.ts";

/** Why a bundle was not applied; the message is one line for the gateway's log. */
export const bundleRejections = [
  "malformed",
  "wrong_key",
  "bad_signature",
  "bad_payload",
  "wrong_gateway",
  "rollback",
  "expired",
  "invalid_document",
] as const;
export type BundleRejection = (typeof bundleRejections)[number];

export interface VerifiedBundle {
  ok: true;
  payload: BundlePayload;
  document: PolicyDocument;
  compiled: CompiledPolicy;
  registry: ConnectorRegistry;
  expiresAtMs: number;
}

export type BundleVerification = VerifiedBundle | { ok: false; code: BundleRejection; message: string };

export interface BundleExpectations {
  /** The API key pinned at `tf init`, and its id. */
  apiKey: CryptoKey | Uint8Array;
  kid: string;
  gatewayId: string;
  orgId: string;
  /** Only versions above this apply (the one in force, or the floor from `tf init`). */
  floorVersion: number;
  nowMs: number;
}

const reject = (code: BundleRejection, message: string): BundleVerification => ({ ok: false, code, message });

/**
 * Checks a signed bundle completely before anything of it is used: the header names the
 * pinned key and EdDSA, the signature verifies against the pinned key (never a key the
 * bundle names itself), the payload is this gateway's and organization's, newer than the
 * one in force (no rollback), not expired, and its document validates and compiles for
 * this gateway exactly as it will be enforced.
 */
export async function verifyBundle(jws: string, expect: BundleExpectations): Promise<BundleVerification> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (error) {
    return reject("malformed", `not a compact JWS: ${(error as Error).message}`);
  }
  if (header.alg !== bundleSigningAlgorithm) {
    return reject("wrong_key", `signed with \`${String(header.alg)}\`, not ${bundleSigningAlgorithm}`);
  }
  if (header.kid !== expect.kid) {
    return reject(
      "wrong_key",
      `signed by key \`${String(header.kid)}\`, not the pinned API key \`${expect.kid}\``,
    );
  }
  if (header.typ !== bundleJwsType)
    return reject("malformed", `JWS type \`${String(header.typ)}\` is not a bundle`);
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(jws, expect.apiKey, {
      algorithms: [bundleSigningAlgorithm],
    }));
  } catch (error) {
    return reject(
      "bad_signature",
      `the signature does not verify against the pinned API key \`${expect.kid}\` (${(error as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch (error) {
    return reject("bad_payload", `the signed payload is not JSON: ${(error as Error).message}`);
  }
  const parsed = bundlePayloadSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject(
      "bad_payload",
      `the signed payload is not a bundle: ${issue?.path.join(".") ?? ""}: ${issue?.message}`,
    );
  }
  const payload = parsed.data;
  if (payload.gateway_id !== expect.gatewayId || payload.org_id !== expect.orgId) {
    return reject(
      "wrong_gateway",
      `bundle v${payload.version} is for gateway \`${payload.gateway_id}\` of \`${payload.org_id}\`, not this gateway \`${expect.gatewayId}\``,
    );
  }
  if (payload.version <= expect.floorVersion) {
    return reject(
      "rollback",
      `bundle v${payload.version} is not newer than v${expect.floorVersion} (a replayed or rolled-back bundle)`,
    );
  }
  const expiresAtMs = Date.parse(payload.expires_at);
  if (!(expiresAtMs > expect.nowMs)) {
    return reject("expired", `bundle v${payload.version} expired at ${payload.expires_at}`);
  }
  const validated = validatePolicyDocument(payload.document);
  if (!validated.ok) {
    const first = validated.errors[0];
    return reject(
      "invalid_document",
      `bundle v${payload.version}: ${first?.path ?? ""}: ${first?.message ?? "invalid"}`,
    );
  }
  const compiled = compilePolicy(validated.document, {
    gateway: { id: expect.gatewayId, name: validated.document.gateway.name },
  });
  if (!compiled.ok) {
    const first = compiled.errors[0];
    return reject(
      "invalid_document",
      `bundle v${payload.version}: ${first?.path ?? ""}: ${first?.message ?? "invalid"}`,
    );
  }
  const registry = createConnectorRegistry(validated.document.connectors);
  if (!registry.ok) {
    const first = registry.errors[0];
    return reject(
      "invalid_document",
      `bundle v${payload.version}: ${first?.path ?? ""}: ${first?.message ?? "invalid"}`,
    );
  }
  return {
    ok: true,
    payload,
    document: validated.document,
    compiled: compiled.compiled,
    registry: registry.registry,
    expiresAtMs,
  };
}

/**
 * Opens a credential sealed to this gateway (compact JWE, `ECDH-ES` + `A256GCM` only) and
 * checks it was sealed for `connectorName`. The secret exists in memory only.
 */
export async function openCredential(
  jwe: string,
  connectorName: string,
  decryptionKey: CryptoKey | Uint8Array,
): Promise<{ ok: true; secret: string } | { ok: false; message: string }> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, decryptionKey, {
      keyManagementAlgorithms: [credentialJweAlgorithm],
      contentEncryptionAlgorithms: [credentialJweEncryption],
    });
    const sealedFor = (protectedHeader as Record<string, unknown>)[credentialJweConnectorHeader];
    if (sealedFor !== connectorName) {
      return {
        ok: false,
        message: `the sealed credential is for \`${String(sealedFor)}\`, not \`${connectorName}\``,
      };
    }
    const secret = new TextDecoder().decode(plaintext);
    return secret === "" ? { ok: false, message: "the sealed credential is empty" } : { ok: true, secret };
  } catch (error) {
    return {
      ok: false,
      message: `the sealed credential does not open with this gateway's key (${(error as Error).message}): run \`tf init\` again if the keys were replaced`,
    };
  }
}

/** The version a JWS claims, read without verifying (only to avoid replacing a newer cache). */
export function unverifiedVersion(jws: string): number | undefined {
  const middle = jws.split(".")[1];
  if (middle === undefined) return undefined;
  try {
    const value = (JSON.parse(Buffer.from(middle, "base64url").toString("utf8")) as { version?: unknown })
      .version;
    return typeof value === "number" ? value : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
