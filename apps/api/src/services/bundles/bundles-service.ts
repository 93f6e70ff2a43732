import {
  type BundlePollResult,
  type BundleRecord,
  type Gateway,
  type GatewayRegisterInput,
  type GatewayRegisterResult,
  maxBundleWaitMs,
  type PublicJwk,
} from "@tameflare/contracts";
import { importJWK } from "jose";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { CredentialChoice } from "../gateways/connector-mapping.ts";
import { type GatewayState, loadGatewayState } from "../gateways/gateway-document.ts";
import type { OrgActor } from "../shared/actor.ts";
import { type ConfigError, summarizeErrors } from "../shared/config-errors.ts";
import { createSigningKeyService } from "../signing/signing-key-service.ts";
import { createVaultService } from "../vault/vault-service.ts";
import { composeBundleDocument, sealCredential, signBundle } from "./bundle-compiler.ts";
import { type BundleNotifier, createInProcessBundleNotifier } from "./bundle-notifier.ts";

/** How long a bundle is valid: a gateway cut off from the API stops enforcing it after this. */
export const defaultBundleTtlMs = 24 * 3600 * 1000;
/** A bundle with less than this left is replaced by a fresh one at the gateway's next poll. */
export const defaultBundleRenewBeforeMs = 12 * 3600 * 1000;
/** A waiting poll re-reads the database this often even without a notification (lost pub/sub message). */
const waitRecheckMs = 5_000;

export interface BundleServiceOptions {
  ttlMs?: number;
  renewBeforeMs?: number;
}

/** Why a gateway has no bundle for its current configuration. */
export class BundleBuildError extends Error {
  readonly errors: ConfigError[];
  constructor(gatewayId: string, errors: ConfigError[]) {
    super(`bundle for gateway \`${gatewayId}\` not issued: ${summarizeErrors(errors)}`);
    this.name = "BundleBuildError";
    this.errors = errors;
  }
}

export type BuildOutcome =
  | { gatewayId: string; status: "issued"; version: number }
  | { gatewayId: string; status: "not_registered" }
  | { gatewayId: string; status: "failed"; errors: ConfigError[] };

interface ProcessState {
  notifier: BundleNotifier;
  /** Set by `registerBundleHooks`: every service of this process issues alike. */
  options: BundleServiceOptions;
  /** One build at a time per gateway in this process (each holds a database connection). */
  chains: Map<string, Promise<unknown>>;
}

// Per AppDeps (one per running API): the fallback notifier and the build chains.
const processStates = new WeakMap<object, ProcessState>();

function processState(deps: AppDeps): ProcessState {
  let state = processStates.get(deps);
  if (state === undefined) {
    state = {
      notifier: deps.bundleNotifier ?? createInProcessBundleNotifier(),
      options: {},
      chains: new Map(),
    };
    processStates.set(deps, state);
  }
  return state;
}

/** Public JWKs a gateway registers: the right curve, and no private member. */
function checkPublicJwk(jwk: PublicJwk, what: "signing" | "encryption"): void {
  const members = jwk as Record<string, unknown>;
  if (["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in members)) {
    throw new AppError("bad_request", `the ${what} key holds private key material: send the public key only`);
  }
  const ok =
    what === "signing"
      ? jwk.kty === "OKP" && members.crv === "Ed25519" && typeof members.x === "string"
      : (jwk.kty === "EC" &&
          members.crv === "P-256" &&
          typeof members.x === "string" &&
          typeof members.y === "string") ||
        (jwk.kty === "OKP" && members.crv === "X25519" && typeof members.x === "string");
  if (!ok) {
    throw new AppError(
      "bad_request",
      what === "signing"
        ? "the signing key must be an Ed25519 public JWK (`kty: OKP`, `crv: Ed25519`)"
        : "the encryption key must be a P-256 (`kty: EC`) or X25519 (`kty: OKP`) public JWK",
    );
  }
}

/**
 * Signed policy bundles: compiles a gateway's configuration (connectors, access rules,
 * enabled policies by priority, rate limits, kill switches, settings, and credentials
 * re-sealed from the vault to the gateway's own key), validates and compiles it with the
 * policy engine, signs it (Ed25519 JWS), numbers it (monotonic per gateway) and stores it;
 * gateways long-poll for it. Any configuration change calls `invalidateGatewayBundles`
 * (through the `onConfigChanged` hook), which issues the affected gateways' next bundle at
 * once and wakes their long-polls in every API replica.
 */
export function createBundlesService(deps: AppDeps, overrides?: BundleServiceOptions) {
  const proc = processState(deps);
  const options = overrides ?? proc.options;
  const ttlMs = options.ttlMs ?? defaultBundleTtlMs;
  const renewBeforeMs = options.renewBeforeMs ?? defaultBundleRenewBeforeMs;
  const signing = createSigningKeyService(deps);
  const vault = createVaultService(deps);

  function chained<T>(gatewayId: string, fn: () => Promise<T>): Promise<T> {
    const previous = proc.chains.get(gatewayId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    proc.chains.set(gatewayId, settled);
    void settled.then(() => {
      if (proc.chains.get(gatewayId) === settled) proc.chains.delete(gatewayId);
    });
    return next;
  }

  /** The gateway's configuration with live policies only (a disabled policy is not shipped). */
  async function loadState(gateway: Gateway): Promise<GatewayState> {
    const state = await loadGatewayState(deps.repos, gateway);
    return { ...state, policies: state.policies.filter((p) => p.enabled) };
  }

  /**
   * Issues the gateway's next bundle from its configuration as it is now. The version is
   * reserved first (the gateway row stays locked until the bundle is stored), and only then
   * is the configuration read: a later version always carries a later configuration, even
   * with several API replicas building at once.
   */
  async function issue(orgId: string, gatewayId: string): Promise<BuildOutcome> {
    /** Everything the bundle is made of, read from the database. */
    const read = async () => {
      const gateway = await deps.repos.gateways.findById(orgId, gatewayId);
      if (gateway === null || gateway.encryptionPublicJwk === null || gateway.revokedAt !== null) {
        throw new NotRegistered();
      }
      const [state, killSwitches, secrets, key] = await Promise.all([
        loadState(gateway),
        deps.repos.killSwitches.listActive(orgId, { gatewayId }),
        vault.decryptForBundle(orgId, gatewayId),
        signing.bundleKey(),
      ]);
      return { gateway, encryptionJwk: gateway.encryptionPublicJwk, state, killSwitches, secrets, key };
    };
    try {
      // PGlite has one connection: a read outside the version's transaction waits for that
      // transaction to end (a deadlock until its 15 s timeout, on every change). Its API is one
      // process, where `chained` already orders a gateway's builds: read the configuration first.
      const early = deps.db.kind === "pglite" ? await read() : undefined;
      const record = await deps.repos.bundles.issueNext(orgId, gatewayId, async (version) => {
        const { gateway, encryptionJwk, state, killSwitches, secrets, key } = early ?? (await read());
        const sealed = new Map<string, string>();
        for (const s of secrets) {
          sealed.set(s.connectorName, await sealCredential(encryptionJwk, s.connectorName, s.secret));
        }
        const credentialFor = (name: string): CredentialChoice => {
          const jwe = sealed.get(name);
          return jwe === undefined ? { kind: "stored" } : { kind: "encrypted", jwe };
        };
        const composed = composeBundleDocument(state, killSwitches, credentialFor);
        if (!composed.ok) throw new BundleBuildError(gatewayId, composed.errors);
        const now = deps.clock();
        const expiresAt = new Date(now.getTime() + ttlMs);
        const jws = await signBundle(
          {
            gateway_id: gateway.id,
            org_id: gateway.orgId,
            version,
            issued_at: now.toISOString(),
            expires_at: expiresAt.toISOString(),
            document: composed.document,
          },
          key,
        );
        return { jws, expiresAt };
      });
      if (record === null) return { gatewayId, status: "not_registered" };
      deps.log.info(`bundle v${record.version} issued to gateway \`${gatewayId}\``);
      await proc.notifier.publish(gatewayId);
      return { gatewayId, status: "issued", version: record.version };
    } catch (error) {
      if (error instanceof NotRegistered) return { gatewayId, status: "not_registered" };
      if (error instanceof BundleBuildError) {
        deps.log.warn(error.message);
        return { gatewayId, status: "failed", errors: error.errors };
      }
      throw error;
    }
  }

  /** The newest bundle, after issuing the first one or renewing one close to its expiry. */
  async function freshLatest(gateway: Gateway): Promise<BundleRecord | null> {
    const needsBuild = (latest: BundleRecord | null) =>
      latest === null ||
      (latest.expiresAt !== null && Date.parse(latest.expiresAt) - deps.clock().getTime() < renewBeforeMs);
    const latest = await deps.repos.bundles.latest(gateway.orgId, gateway.id);
    if (!needsBuild(latest) || gateway.encryptionPublicJwk === null) return latest;
    return chained(gateway.id, async () => {
      // Another poll may have built it while this one waited its turn.
      const again = await deps.repos.bundles.latest(gateway.orgId, gateway.id);
      if (!needsBuild(again)) return again;
      await issue(gateway.orgId, gateway.id);
      return deps.repos.bundles.latest(gateway.orgId, gateway.id);
    });
  }

  const service = {
    /**
     * Rebuilds the bundles of one gateway, or of every live gateway of the organization
     * (org-wide policies and rate limits, global kill switches). A gateway whose new
     * configuration does not compile keeps its last bundle; the failure is logged and
     * returned (the dashboard shows it through `bundles.status`).
     */
    async invalidateGatewayBundles(orgId: string, gatewayId?: string | null): Promise<BuildOutcome[]> {
      const ids =
        gatewayId === undefined || gatewayId === null
          ? (await deps.repos.gateways.list(orgId)).map((g) => g.id)
          : [gatewayId];
      const outcomes: BuildOutcome[] = [];
      for (const id of ids) {
        outcomes.push(await chained(id, () => issue(orgId, id)));
      }
      return outcomes;
    },

    /** `tf init`: stores the gateway's public keys; answers with the key to pin. */
    async register(gateway: Gateway, input: GatewayRegisterInput): Promise<GatewayRegisterResult> {
      if (input.gateway_id !== gateway.id) {
        throw new AppError(
          "forbidden",
          `this token belongs to another gateway than \`${input.gateway_id}\`: use the token shown for that gateway`,
        );
      }
      checkPublicJwk(input.signing_public_jwk, "signing");
      checkPublicJwk(input.encryption_public_jwk, "encryption");
      try {
        await importJWK(input.signing_public_jwk, "EdDSA");
        await importJWK(input.encryption_public_jwk, "ECDH-ES");
      } catch (cause) {
        throw new AppError("bad_request", `a public key does not import: ${(cause as Error).message}`, {
          cause,
        });
      }
      const key = await signing.bundleKey();
      const updated = await deps.repos.gateways.setPublicKeys(gateway.orgId, gateway.id, {
        signingPublicJwk: input.signing_public_jwk,
        encryptionPublicJwk: input.encryption_public_jwk,
      });
      if (updated === null) throw new AppError("not_found", `gateway \`${gateway.id}\` not found`);
      await deps.repos.gateways.recordSeen(gateway.id, { at: deps.clock() });
      deps.log.info(`gateway \`${gateway.id}\` registered its keys`);
      // Bundles up to here were sealed to the previous keys (if any): the gateway skips them.
      const minVersion = updated.lastBundleVersion;
      await service.invalidateGatewayBundles(gateway.orgId, gateway.id);
      return {
        gateway_id: updated.id,
        gateway_name: updated.name,
        org_id: updated.orgId,
        api_signing_key: { kid: key.kid, alg: key.alg, jwk: key.publicJwk },
        min_bundle_version: minVersion,
      };
    },

    /**
     * Long-poll: the newest bundle at once when it is newer than `since`, else wait up to
     * `timeoutMs` (at most 25 s) for one and answer `not_modified`.
     */
    async poll(
      caller: Gateway,
      since: number,
      waitOptions: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
    ): Promise<BundlePollResult> {
      // The authenticated record may predate this gateway's `tf init` (same connection): re-read.
      const gateway = await deps.repos.gateways.findById(caller.orgId, caller.id);
      if (gateway === null || gateway.revokedAt !== null) {
        throw new AppError("unauthorized", "a valid gateway token is required");
      }
      if (gateway.encryptionPublicJwk === null) {
        throw new AppError("precondition_failed", "this gateway has not registered its keys: run `tf init`");
      }
      await deps.repos.gateways.recordSeen(gateway.id, { at: deps.clock() });
      const answer = (latest: BundleRecord | null): BundlePollResult | undefined =>
        latest !== null && latest.version > since
          ? {
              status: "bundle",
              version: latest.version,
              jws: latest.jws,
              expires_at: latest.expiresAt ?? new Date(deps.clock().getTime() + ttlMs).toISOString(),
            }
          : undefined;
      let latest = await freshLatest(gateway);
      const now = answer(latest);
      if (now !== undefined) return now;

      const deadline =
        Date.now() + Math.min(maxBundleWaitMs, Math.max(0, waitOptions.timeoutMs ?? maxBundleWaitMs));
      let woken = false;
      let wake: (() => void) | undefined;
      const unsubscribe = proc.notifier.subscribe(gateway.id, () => {
        woken = true;
        wake?.();
      });
      try {
        for (;;) {
          const remaining = deadline - Date.now();
          if (remaining <= 0 || waitOptions.signal?.aborted) break;
          if (!woken) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, Math.min(remaining, waitRecheckMs));
              function done() {
                clearTimeout(timer);
                wake = undefined;
                waitOptions.signal?.removeEventListener("abort", done);
                resolve();
              }
              wake = done;
              waitOptions.signal?.addEventListener("abort", done, { once: true });
            });
          }
          woken = false;
          latest = await deps.repos.bundles.latest(gateway.orgId, gateway.id);
          const found = answer(latest);
          if (found !== undefined) return found;
        }
      } finally {
        unsubscribe();
      }
      return { status: "not_modified", version: latest?.version ?? 0 };
    },

    /** The gateway applied `version`: recorded with its last-seen time. */
    async ack(gateway: Gateway, version: number): Promise<void> {
      const current = await deps.repos.gateways.findById(gateway.orgId, gateway.id);
      if (current === null) throw new AppError("not_found", `gateway \`${gateway.id}\` not found`);
      if (version > current.lastBundleVersion) {
        throw new AppError("bad_request", `bundle v${version} was never issued to this gateway`);
      }
      await deps.repos.gateways.recordSeen(gateway.id, { at: deps.clock(), ackedBundleVersion: version });
    },

    /**
     * What the dashboard shows about a gateway's bundles: the newest issued, the one the
     * gateway applied, and whether the current configuration compiles (with its errors when
     * not: such a configuration is never issued, the gateway keeps its last bundle).
     */
    async status(actor: OrgActor, gatewayId: string) {
      const gateway = await deps.repos.gateways.findById(actor.orgId, gatewayId);
      if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
      const [latest, state, killSwitches, secretMeta] = await Promise.all([
        deps.repos.bundles.latest(actor.orgId, gatewayId),
        loadState(gateway),
        deps.repos.killSwitches.listActive(actor.orgId, { gatewayId }),
        deps.repos.secrets.listMeta(actor.orgId, gatewayId),
      ]);
      const withSecret = new Set(secretMeta.map((s) => s.connectorId));
      const names = new Map(state.connectors.map((c) => [c.name, c.id]));
      // A dry run: the same document with placeholders where sealed credentials go.
      const composed = composeBundleDocument(state, killSwitches, (name) =>
        withSecret.has(names.get(name) ?? "")
          ? { kind: "encrypted", jwe: "sealed-at-issue" }
          : { kind: "stored" },
      );
      return {
        gatewayId,
        registered: gateway.encryptionPublicJwk !== null,
        latest:
          latest === null
            ? null
            : { version: latest.version, createdAt: latest.createdAt, expiresAt: latest.expiresAt },
        ackedVersion: gateway.ackedBundleVersion,
        lastSeenAt: gateway.lastSeenAt,
        build: composed.ok
          ? { ok: true as const, errors: [] }
          : { ok: false as const, errors: composed.errors },
      };
    },
  };
  return service;
}

export type BundlesService = ReturnType<typeof createBundlesService>;

class NotRegistered extends Error {
  constructor() {
    super("the gateway has not registered its keys");
    this.name = "NotRegistered";
  }
}

/**
 * Rebuilds bundles on every configuration change: registered once at start, like the
 * approvals service's hooks. `options` (bundle lifetime) then apply to every bundle service
 * of this process.
 */
export function registerBundleHooks(deps: AppDeps, options: BundleServiceOptions = {}): void {
  processState(deps).options = options;
  if (deps.hooks === undefined) return;
  const bundles = createBundlesService(deps);
  deps.hooks.onConfigChanged.push(async (change) => {
    await bundles.invalidateGatewayBundles(change.orgId, change.gatewayId);
  });
}
