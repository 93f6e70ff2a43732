import {
  type BundlePayload,
  bundleJwsType,
  bundlePayloadSchema,
  bundleSigningAlgorithm,
  credentialJweAlgorithm,
  credentialJweConnectorHeader,
  credentialJweEncryption,
  type KillSwitch,
  type KillSwitchRecord,
  type PolicyDocument,
  type PublicJwk,
} from "@tameflare/contracts";
import { compilePolicy } from "@tameflare/policy-engine";
import { CompactEncrypt, CompactSign, importJWK } from "jose";
import type { CredentialChoice } from "../gateways/connector-mapping.ts";
import { documentOf, type GatewayState, validateDocument } from "../gateways/gateway-document.ts";
import type { ConfigError } from "../shared/config-errors.ts";
import type { BundleSigningKey } from "../signing/signing-key-service.ts";

/** A kill switch record as the document carries it (connector name or gateway id as target). */
export function killSwitchOf(record: KillSwitchRecord): KillSwitch {
  return {
    id: record.id,
    scope: record.scope,
    ...(record.target === null ? {} : { target: record.target }),
    ...(record.reason === null ? {} : { reason: record.reason }),
    ...(record.activatedBy === null ? {} : { activated_by: record.activatedBy }),
    activated_at: record.activatedAt,
  };
}

/**
 * The document a gateway's bundle carries: its connectors (credentials as given by
 * `credentialFor`), access rules, live policies by priority, rate limits, gateway settings,
 * enforcement level, and the kill switches that affect it. Validated by the policy engine
 * and the connector registry, then compiled for this gateway exactly as the gateway will:
 * a document that does not compile is never issued.
 */
export function composeBundleDocument(
  state: GatewayState,
  killSwitches: readonly KillSwitchRecord[],
  credentialFor: (connectorName: string) => CredentialChoice,
): { ok: true; document: PolicyDocument } | { ok: false; errors: ConfigError[] } {
  const input = documentOf(state, { credentialFor: (c) => credentialFor(c.name) });
  const validated = validateDocument({ ...input, kill_switches: killSwitches.map(killSwitchOf) });
  if (!validated.ok) return validated;
  const compiled = compilePolicy(validated.document, {
    gateway: { id: state.gateway.id, name: state.gateway.name },
  });
  if (!compiled.ok) return { ok: false, errors: compiled.errors };
  return { ok: true, document: validated.document };
}

/**
 * Seals one credential to a gateway's encryption key: a compact JWE (`ECDH-ES` + `A256GCM`)
 * whose protected header names the connector, so a ciphertext cannot be moved to another
 * connector unnoticed. Only the gateway's private key opens it.
 */
export async function sealCredential(
  gatewayEncryptionJwk: PublicJwk,
  connectorName: string,
  secret: string,
): Promise<string> {
  const key = await importJWK(gatewayEncryptionJwk, credentialJweAlgorithm);
  return new CompactEncrypt(new TextEncoder().encode(secret))
    .setProtectedHeader({
      alg: credentialJweAlgorithm,
      enc: credentialJweEncryption,
      [credentialJweConnectorHeader]: connectorName,
    })
    .encrypt(key);
}

/** Signs a bundle payload: compact JWS, EdDSA, with the key id and the bundle `typ`. */
export async function signBundle(payload: BundlePayload, key: BundleSigningKey): Promise<string> {
  const checked = bundlePayloadSchema.parse(payload);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(checked)))
    .setProtectedHeader({ alg: bundleSigningAlgorithm, kid: key.kid, typ: bundleJwsType })
    .sign(key.privateKey);
}
