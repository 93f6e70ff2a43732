import { bundlePollResultSchema, gatewayRegisterResultSchema } from "@tameflare/contracts";
import { importJWK, type JWK } from "jose";
import { ApiError, GatewayApiClient } from "./api-client.ts";
import { openCredential, verifyBundle } from "./bundle-verifier.ts";
import {
  type ConnectedState,
  connectedPaths,
  generateGatewayKeys,
  writeBundleCache,
  writeConnectedSetup,
} from "./connected-state.ts";

export type InitResult =
  | { ok: true; lines: string[]; state: ConnectedState }
  | { ok: false; message: string };

/**
 * `tf init`: makes the gateway's keys here, registers their public halves with the API
 * (authenticated by the gateway token), pins the API's signing key, and fetches and verifies
 * the first bundle. Nothing is written unless the API accepted the registration.
 */
export async function initConnectedGateway(options: {
  tfHome: string;
  gatewayId: string;
  token: string;
  apiUrl: string;
  fetch?: typeof fetch;
}): Promise<InitResult> {
  const client = new GatewayApiClient({
    apiUrl: options.apiUrl,
    token: options.token,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const keys = await generateGatewayKeys();
  let registered: Awaited<ReturnType<typeof register>>;
  try {
    registered = await register(client, options.gatewayId, keys.signing.publicJwk, keys.encryption.publicJwk);
  } catch (error) {
    return { ok: false, message: registrationFailure(error, options) };
  }
  const state: ConnectedState = {
    version: 1,
    gateway_id: registered.gateway_id,
    gateway_name: registered.gateway_name,
    org_id: registered.org_id,
    api_url: client.apiUrl,
    api_signing_key: registered.api_signing_key,
    min_bundle_version: registered.min_bundle_version,
    registered_at: new Date().toISOString(),
  };
  await writeConnectedSetup(options.tfHome, { state, token: options.token, keys });
  const paths = connectedPaths(options.tfHome);
  const lines = [
    `registered this machine as gateway \`${state.gateway_name}\` (${state.gateway_id}) with ${client.apiUrl}`,
    `  keys: made here, private halves in ${paths.keysDir} (mode 0600), never sent`,
    `  pinned the API's bundle-signing key \`${state.api_signing_key.kid}\` in ${paths.state}`,
  ];
  lines.push(`  ${await firstBundle(options.tfHome, client, state, keys.encryption.privateJwk)}`);
  lines.push("next: `tf run --agent NAME -- <command>` enforces this gateway's policies from the dashboard");
  return { ok: true, lines, state };
}

function register(client: GatewayApiClient, gatewayId: string, signing: JWK, encryption: JWK) {
  return client.mutation(
    "gatewayAgent.register",
    { gateway_id: gatewayId, signing_public_jwk: signing, encryption_public_jwk: encryption },
    gatewayRegisterResultSchema,
  );
}

function registrationFailure(error: unknown, options: { gatewayId: string; apiUrl: string }): string {
  if (!(error instanceof ApiError)) return `registration failed: ${(error as Error).message}`;
  if (error.code === "UNAUTHORIZED") {
    return `the API at ${options.apiUrl} refused the gateway token for \`${options.gatewayId}\`: check the id and token (a rotated or revoked token no longer works; rotate it in the dashboard)`;
  }
  if (error.code === "FORBIDDEN")
    return `the API refused the registration: ${error.message.replace(/^`[^`]*`: /, "")}`;
  if (error.kind === "network") return error.message.replace(/^`[^`]*`: /, "");
  return `registration failed: ${error.message}`;
}

/** Fetches the first bundle at once and checks it end to end, so problems show now, not at `tf run`. */
async function firstBundle(
  tfHome: string,
  client: GatewayApiClient,
  state: ConnectedState,
  encryptionPrivateJwk: JWK,
): Promise<string> {
  try {
    const answer = await client.query(
      "gatewayAgent.pollBundle",
      { since: state.min_bundle_version, timeout_ms: 0 },
      bundlePollResultSchema,
    );
    if (answer.status !== "bundle") {
      return "no bundle yet (see the gateway's bundle status in the dashboard): `tf run` refuses requests (503 no_policy) until one arrives";
    }
    const verified = await verifyBundle(answer.jws, {
      apiKey: await importJWK(state.api_signing_key.jwk as JWK, state.api_signing_key.alg),
      kid: state.api_signing_key.kid,
      gatewayId: state.gateway_id,
      orgId: state.org_id,
      floorVersion: state.min_bundle_version,
      nowMs: Date.now(),
    });
    if (!verified.ok) return `the first bundle was rejected (${verified.code}): ${verified.message}`;
    const decryptionKey = await importJWK(encryptionPrivateJwk, "ECDH-ES");
    let opened = 0;
    for (const connector of verified.document.connectors) {
      const jwe = connector.credential?.encrypted;
      if (jwe === undefined) continue;
      const name = connector.name ?? connector.type;
      const result = await openCredential(jwe, name, decryptionKey);
      if (!result.ok) return `the first bundle's credential for \`${name}\` does not open: ${result.message}`;
      opened += 1;
    }
    await writeBundleCache(tfHome, answer.jws);
    const c = verified.compiled.counts;
    return `bundle v${verified.payload.version} verified and cached (${c.connectors} connectors, ${c.policies} policies, ${opened} sealed credentials open with this gateway's key)`;
  } catch (error) {
    return `could not fetch the first bundle (${(error as Error).message}): \`tf run\` will keep asking`;
  }
}
