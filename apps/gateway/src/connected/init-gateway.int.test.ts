import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectedPaths, readConnectedSetup } from "./connected-state.ts";
import { initConnectedGateway } from "./init-gateway.ts";
import { type FakeControlPlane, startFakeControlPlane } from "./testing/fake-control-plane.ts";

describe("tf init (connected mode setup)", () => {
  let api: FakeControlPlane;
  let tfHome: string;

  beforeEach(async () => {
    api = await startFakeControlPlane();
    tfHome = await mkdtemp(join(tmpdir(), "tf-init-"));
  });
  afterEach(async () => {
    await api.close();
    await rm(tfHome, { recursive: true, force: true });
  });

  it("makes the keys here, sends only public halves, pins the API key, and keeps secrets 0600", async () => {
    const result = await initConnectedGateway({
      tfHome,
      gatewayId: api.gatewayId,
      token: api.token,
      apiUrl: api.url,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.lines[0]).toContain(`registered this machine as gateway \`fake-gw\` (${api.gatewayId})`);
    expect(result.lines.join("\n")).toContain("no bundle yet");
    expect(api.gatewayEncryptionJwk).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(api.gatewayEncryptionJwk).not.toHaveProperty("d");

    const paths = connectedPaths(tfHome);
    for (const path of [paths.token, paths.signingKey, paths.encryptionKey]) {
      expect((await stat(path)).mode & 0o777, path).toBe(0o600);
    }
    expect((await stat(paths.keysDir)).mode & 0o777).toBe(0o700);
    expect((await readFile(paths.token, "utf8")).trim()).toBe(api.token);
    expect(JSON.parse(await readFile(paths.encryptionKey, "utf8"))).toHaveProperty("d");
    const state = JSON.parse(await readFile(paths.state, "utf8"));
    expect(state).toMatchObject({ gateway_id: api.gatewayId, org_id: api.orgId, api_url: api.url });
    expect(state.api_signing_key).toEqual({ kid: api.kid, alg: "EdDSA", jwk: api.publicJwk });
    expect(JSON.stringify(state)).not.toContain(api.token);
    const setup = await readConnectedSetup(tfHome);
    expect(setup.state.gateway_id).toBe(api.gatewayId);
  });

  it("a token the API refuses is one clear line and nothing is written", async () => {
    const result = await initConnectedGateway({
      tfHome,
      gatewayId: api.gatewayId,
      token: "gwtk_notthetoken1234567890",
      apiUrl: api.url,
    });
    expect(result).toEqual({
      ok: false,
      message: `the API at ${api.url} refused the gateway token for \`${api.gatewayId}\`: check the id and token (a rotated or revoked token no longer works; rotate it in the dashboard)`,
    });
    expect(existsSync(connectedPaths(tfHome).state)).toBe(false);
    expect(existsSync(connectedPaths(tfHome).keysDir)).toBe(false);
  });
});
