import { verifyBundle } from "./bundle-verifier.ts";
import { ConnectedSetupError, readBundleCache, readConnectedSetup } from "./connected-state.ts";

/** `tf status`'s lines about the connected mode: which gateway, which API, the cached bundle. */
export async function describeConnectedMode(tfHome: string): Promise<string[]> {
  let setup: Awaited<ReturnType<typeof readConnectedSetup>>;
  try {
    setup = await readConnectedSetup(tfHome);
  } catch (error) {
    if (error instanceof ConnectedSetupError) return [`Config: connected mode: BROKEN: ${error.message}`];
    throw error;
  }
  const { state } = setup;
  const lines = [
    `Config: connected mode (tf init): gateway \`${state.gateway_name}\` (${state.gateway_id}) at ${state.api_url}`,
  ];
  const cached = await readBundleCache(tfHome);
  if (cached === undefined) {
    lines.push("Bundle: none cached yet (a running gateway refuses requests until one arrives)");
    return lines;
  }
  const verified = await verifyBundle(cached, {
    apiKey: setup.apiKey,
    kid: state.api_signing_key.kid,
    gatewayId: state.gateway_id,
    orgId: state.org_id,
    floorVersion: state.min_bundle_version,
    nowMs: Date.now(),
  });
  lines.push(
    verified.ok
      ? `Bundle: v${verified.payload.version} cached, verified, expires ${verified.payload.expires_at}`
      : `Bundle: the cached bundle is not usable (${verified.code}): ${verified.message}`,
  );
  return lines;
}
