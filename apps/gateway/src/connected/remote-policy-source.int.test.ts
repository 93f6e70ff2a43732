import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyDocumentInput } from "@tameflare/contracts";
import { generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../gateway.ts";
import { GatewayApiClient } from "./api-client.ts";
import {
  connectedPaths,
  generateGatewayKeys,
  readConnectedSetup,
  writeConnectedSetup,
} from "./connected-state.ts";
import { RemotePolicySource } from "./remote-policy-source.ts";
import { type FakeControlPlane, startFakeControlPlane } from "./testing/fake-control-plane.ts";
import { proxyRequest, startRecordingUpstream, waitFor } from "./testing/proxy-client.ts";

const secret = "sk_live_real_credential_0123456789";

describe("connected mode: signed bundles from the API", () => {
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let api: FakeControlPlane;
  let tfHome: string;
  let gateway: RunningGateway | undefined;
  let source: RemotePolicySource | undefined;
  let lines: string[];
  let agent: { username: string; password: string };

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => {
    await upstream.close();
  });

  beforeEach(async () => {
    tfHome = await mkdtemp(join(tmpdir(), "tf-connected-"));
    api = await startFakeControlPlane();
    const keys = await generateGatewayKeys();
    await writeConnectedSetup(tfHome, { state: api.connectedState(), token: api.token, keys });
    api.gatewayEncryptionJwk = keys.encryption.publicJwk;
    lines = [];
  });
  afterEach(async () => {
    await gateway?.close();
    await source?.close();
    gateway = undefined;
    source = undefined;
    await api.close();
    await rm(tfHome, { recursive: true, force: true });
  });

  async function documentWith(extra: Partial<PolicyDocumentInput> = {}): Promise<PolicyDocumentInput> {
    return {
      version: 1,
      gateway: { name: "fake-gw", enforcement: "full" },
      connectors: [
        {
          type: "generic",
          name: "internal",
          domains: ["api.example.com"],
          upstream: `http://127.0.0.1:${upstream.port}`,
          credential: {
            encrypted: await api.seal("internal", secret),
            header: "authorization",
            format: "Bearer {secret}",
          },
        },
      ],
      access_rules: [{ connector: "internal", preset: "allow_all" }],
      ...extra,
    };
  }

  async function start(options: { now?: () => number } = {}) {
    const setup = await readConnectedSetup(tfHome);
    const client = new GatewayApiClient({ apiUrl: setup.state.api_url, token: setup.token });
    source = await RemotePolicySource.open({
      tfHome,
      setup,
      client,
      logger: (l) => lines.push(l),
      pollWaitMs: 2_000,
      firstAnswerTimeoutMs: 2_000,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    gateway = await startGateway({
      tfHome,
      policySource: source,
      gatewayId: api.gatewayId,
      logger: (l) => lines.push(l),
    });
    agent = gateway.addAgent("bot");
    return gateway;
  }

  const get = () => {
    if (gateway === undefined) throw new Error("no gateway");
    return proxyRequest(gateway.port, agent, "http://api.example.com/data");
  };
  const logged = (text: string) =>
    waitFor(`a log line with \`${text}\``, () => lines.find((l) => l.includes(text)));

  it("with no bundle at all every request is refused with 503 no_policy (never forwarded)", async () => {
    await start();
    const res = await get();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "no_policy" } });
    expect(upstream.authorizations).toHaveLength(0);
    expect(lines.some((l) => l.includes("no valid bundle yet"))).toBe(true);
  });

  it("a verified bundle applies: the real credential, sealed as a JWE, is injected; the cache holds no plaintext", async () => {
    api.publish(await api.bundle(1, await documentWith()), 1);
    await start();
    const res = await get();
    expect(res.status).toBe(200);
    expect(upstream.authorizations.at(-1)).toBe(`Bearer ${secret}`);
    await logged("bundle v1 applied (from the API");
    await waitFor("the ack", () => api.acks.includes(1));
    const cached = await readFile(connectedPaths(tfHome).bundleCache, "utf8");
    expect(cached).not.toContain(secret);
    expect((await stat(connectedPaths(tfHome).bundleCache)).mode & 0o777).toBe(0o600);
    expect((await stat(connectedPaths(tfHome).encryptionKey)).mode & 0o777).toBe(0o600);
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("a change published while the gateway long-polls decides the next request", async () => {
    api.publish(await api.bundle(1, await documentWith()), 1);
    await start();
    expect((await get()).status).toBe(200);
    const denyAll = await documentWith({
      access_rules: [{ connector: "internal", action: "*", decision: "deny" }],
    });
    const started = Date.now();
    api.publish(await api.bundle(2, denyAll), 2);
    await waitFor("the deny to apply", async () => (await get()).status === 403);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(gateway?.policyVersion()).toBe("v2");
  });

  describe("bundles that must never apply are rejected with a clear line, and the last good one stays", () => {
    beforeEach(async () => {
      api.publish(await api.bundle(5, await documentWith()), 5);
      await start();
      expect((await get()).status).toBe(200);
    });

    const stillV5 = async () => {
      expect(gateway?.policyVersion()).toBe("v5");
      const res = await get();
      expect(res.status).toBe(200);
      expect(upstream.authorizations.at(-1)).toBe(`Bearer ${secret}`);
    };

    it("forged: signed by another key under the pinned key id", async () => {
      const impostor = await generateKeyPair("EdDSA", { crv: "Ed25519" });
      const doc = await documentWith({
        access_rules: [{ connector: "internal", action: "*", decision: "deny" }],
      });
      const { policyDocumentSchema } = await import("@tameflare/contracts");
      const now = Date.now();
      const forged = await api.sign(
        {
          gateway_id: api.gatewayId,
          org_id: api.orgId,
          version: 6,
          issued_at: new Date(now).toISOString(),
          expires_at: new Date(now + 3600_000).toISOString(),
          document: policyDocumentSchema.parse(doc),
        },
        { privateKey: impostor.privateKey },
      );
      api.serveOnce(forged);
      await logged(
        "received bundle rejected (bad_signature): the signature does not verify against the pinned API key",
      );
      expect(lines.find((l) => l.includes("bad_signature"))).toContain("keeping bundle v5");
      await stillV5();
    });

    it("forged: signed by an unknown key id", async () => {
      const impostor = await generateKeyPair("EdDSA", { crv: "Ed25519" });
      const payload = JSON.parse(
        Buffer.from((await api.bundle(6, await documentWith())).split(".")[1] ?? "", "base64url").toString(
          "utf8",
        ),
      );
      api.serveOnce(await api.sign(payload, { privateKey: impostor.privateKey, kid: "attacker-key" }));
      await logged(
        "received bundle rejected (wrong_key): signed by key `attacker-key`, not the pinned API key",
      );
      await stillV5();
    });

    it("replayed: an older (genuinely signed) bundle is a rollback", async () => {
      const old = await api.bundle(4, await documentWith({ access_rules: [] }));
      api.serveOnce(old);
      await logged("received bundle rejected (rollback): bundle v4 is not newer than v5");
      await stillV5();
    });

    it("expired: a genuinely signed bundle past its expiry", async () => {
      api.serveOnce(await api.bundle(7, await documentWith(), { ttlMs: -1000 }));
      await logged("received bundle rejected (expired): bundle v7 expired at");
      await stillV5();
    });

    it("another gateway's bundle, genuinely signed", async () => {
      api.serveOnce(await api.bundle(8, await documentWith(), { gatewayId: "gw_someoneelse99" }));
      await logged("received bundle rejected (wrong_gateway): bundle v8 is for gateway `gw_someoneelse99`");
      await stillV5();
    });
  });

  it("API down: a restarted gateway verifies its cached bundle and keeps enforcing it", async () => {
    api.publish(await api.bundle(3, await documentWith()), 3);
    await start();
    expect((await get()).status).toBe(200);
    await gateway?.close();
    await source?.close();
    gateway = undefined;
    await api.close();

    lines = [];
    await start();
    await logged("bundle v3 applied (from the cache");
    await logged("cannot reach the API");
    const res = await get();
    expect(res.status).toBe(200);
    expect(upstream.authorizations.at(-1)).toBe(`Bearer ${secret}`);
  });

  it("a token the API refuses (revoked or rotated) keeps the bundle in force and says to run tf init", async () => {
    api.publish(await api.bundle(2, await documentWith()), 2);
    await start();
    await gateway?.close();
    await source?.close();
    gateway = undefined;
    await writeFile(connectedPaths(tfHome).token, "gwtk_revokedtoken1234567890\n");
    lines = [];
    await start();
    await logged(
      "the API refuses this gateway's token (rotated or revoked?): run `tf init` with a current token; keeping bundle v2",
    );
    expect((await get()).status).toBe(200);
  });

  it("a tampered cache is rejected when loaded: no valid bundle means 503 no_policy", async () => {
    api.publish(await api.bundle(2, await documentWith()), 2);
    await start();
    await gateway?.close();
    await source?.close();
    gateway = undefined;
    await api.close();
    const path = connectedPaths(tfHome).bundleCache;
    const [h, p, s] = (await readFile(path, "utf8")).trim().split(".");
    const payload = JSON.parse(Buffer.from(p ?? "", "base64url").toString("utf8"));
    payload.document.access_rules = [
      { connector: "internal", preset: "allow_all" },
      { connector: "internal", action: "*", decision: "allow" },
    ];
    await writeFile(path, `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}\n`);

    lines = [];
    await start();
    await logged("cached bundle rejected (bad_signature)");
    expect((await get()).status).toBe(503);
  });

  it("a bundle in force that expires stops being enforced: 503 no_policy until a new one arrives", async () => {
    let now = Date.now();
    api.publish(await api.bundle(1, await documentWith(), { ttlMs: 60_000 }), 1);
    await start({ now: () => now });
    expect((await get()).status).toBe(200);
    now += 61_000;
    const res = await get();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "no_policy" } });
    await logged("policy: bundle v1 expired at");
  });
});
