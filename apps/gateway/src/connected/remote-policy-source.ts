import { readFile } from "node:fs/promises";
import {
  bundleAckResultSchema,
  bundlePollResultSchema,
  type CredentialSource,
  maxBundleWaitMs,
  type PolicyDocument,
} from "@tameflare/contracts";
import { resolveCredentials } from "../config/credentials.ts";
import { resolvePath } from "../config/load.ts";
import type { CredentialResolution, PolicySnapshot, PolicySource } from "../ports/policy-source.ts";
import { ApiError, backoffMs, type GatewayApiClient, pause } from "./api-client.ts";
import { openCredential, unverifiedVersion, type VerifiedBundle, verifyBundle } from "./bundle-verifier.ts";
import { type ConnectedSetup, readBundleCache, writeBundleCache } from "./connected-state.ts";

export interface RemotePolicySourceOptions {
  tfHome: string;
  setup: ConnectedSetup;
  client: GatewayApiClient;
  logger: (line: string) => void;
  /** How long one long-poll waits at the API (default and maximum 25 s). */
  pollWaitMs?: number;
  /** How long `open` waits for the API's first answer before starting without it. Default 5 s. */
  firstAnswerTimeoutMs?: number;
  /** Clock, for expiry (default `Date.now`). */
  now?: () => number;
}

/**
 * The connected mode's PolicySource: signed bundles from the API. It long-polls
 * `gatewayAgent.pollBundle`, verifies each bundle against the API key pinned at `tf init`
 * (signature, key id, gateway, no rollback, not expired, the document compiles), opens the
 * credentials sealed to this gateway in memory only, caches the last good bundle in
 * `TF_HOME/bundle.jws` (verified again when loaded), and keeps enforcing it while the API is
 * unreachable. A bad bundle is logged and never replaces a good one. With no valid bundle,
 * or once the one in force expires, `current()` is undefined: every request gets 503
 * `no_policy`, never a pass.
 */
export class RemotePolicySource implements PolicySource {
  readonly #o: RemotePolicySourceOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<(s: PolicySnapshot) => void>();
  readonly #stop = new AbortController();
  #current: PolicySnapshot | undefined;
  #expiresAtMs = 0;
  /** Highest version verified and applied (rollback floor, also after expiry). */
  #version: number;
  #expiredLogged = false;
  #lastProblem: string | undefined;
  #lastRejected: string | undefined;
  /** The last version reported to the API as applied. */
  #acked = 0;
  #loop: Promise<void> | undefined;
  /** Serialises applying bundles (the loop and `offer` in tests). */
  #applying: Promise<unknown> = Promise.resolve();

  private constructor(options: RemotePolicySourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#version = options.setup.state.min_bundle_version;
  }

  /**
   * Loads the cached bundle (if it still verifies), asks the API once for a newer one (a
   * short wait, so `tf run` starts with the newest policy when the API is up), then keeps
   * long-polling in the background.
   */
  static async open(options: RemotePolicySourceOptions): Promise<RemotePolicySource> {
    const source = new RemotePolicySource(options);
    const cached = await readBundleCache(options.tfHome);
    if (cached !== undefined) await source.#apply(cached, "cache");
    await source.#pollOnce(0, options.firstAnswerTimeoutMs ?? 5_000);
    if (source.#current === undefined) {
      options.logger(
        "policy: no valid bundle yet: every request is refused (503 no_policy) until one arrives",
      );
    }
    source.#loop = source.#run();
    return source;
  }

  current(): PolicySnapshot | undefined {
    const snapshot = this.#current;
    if (snapshot === undefined) return undefined;
    if (this.#now() < this.#expiresAtMs) return snapshot;
    if (!this.#expiredLogged) {
      this.#expiredLogged = true;
      this.#o.logger(
        `policy: bundle ${snapshot.version} expired at ${new Date(this.#expiresAtMs).toISOString()}: every request is refused (503 no_policy) until the API sends a new one`,
      );
    }
    return undefined;
  }

  /** The bundle version in force (0: none). */
  get version(): number {
    return this.#current === undefined ? 0 : this.#version;
  }

  subscribe(listener: (snapshot: PolicySnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#applying;
  }

  /** Verifies and applies a bundle as if the API had sent it (what the poll loop does). */
  offer(jws: string): Promise<boolean> {
    return this.#apply(jws, "api");
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      const ok = await this.#pollOnce(this.#o.pollWaitMs ?? maxBundleWaitMs, undefined);
      if (ok) {
        failures = 0;
        continue;
      }
      failures += 1;
      await pause(backoffMs(failures - 1, 250, 10_000), this.#stop.signal);
    }
  }

  /** One poll; false when the API could not be asked (the caller backs off). */
  async #pollOnce(waitMs: number, overallTimeoutMs: number | undefined): Promise<boolean> {
    try {
      const answer = await this.#o.client.query(
        "gatewayAgent.pollBundle",
        { since: this.#version, timeout_ms: waitMs },
        bundlePollResultSchema,
        { signal: this.#stop.signal, timeoutMs: overallTimeoutMs ?? waitMs + 10_000 },
      );
      this.#problemResolved();
      // A bundle the API keeps sending but this gateway refuses: back off like an error.
      if (answer.status === "bundle") return await this.#apply(answer.jws, "api");
      // The cached bundle is the API's newest: report it as applied (once).
      if (this.#current !== undefined && answer.version === this.#version && this.#acked !== this.#version) {
        void this.#ack(this.#version);
      }
      return true;
    } catch (error) {
      if (this.#stop.signal.aborted) return true;
      const message =
        error instanceof ApiError && error.code === "UNAUTHORIZED"
          ? "the API refuses this gateway's token (rotated or revoked?): run `tf init` with a current token"
          : error instanceof ApiError
            ? error.message
            : `bundle poll failed: ${(error as Error).message}`;
      const keeping =
        this.#current === undefined
          ? "no bundle: every request is refused (503 no_policy)"
          : `keeping bundle ${this.#current.version}`;
      this.#problem(`policy: ${message}; ${keeping}`);
      return false;
    }
  }

  #problem(line: string): void {
    if (line === this.#lastProblem) return;
    this.#lastProblem = line;
    this.#o.logger(line);
  }

  #problemResolved(): void {
    if (this.#lastProblem === undefined) return;
    this.#lastProblem = undefined;
    this.#o.logger(`policy: the API at ${this.#o.client.apiUrl} answers again`);
  }

  #apply(jws: string, origin: "api" | "cache"): Promise<boolean> {
    const run = this.#applying.then(() => this.#applyNow(jws, origin));
    this.#applying = run.catch(() => undefined);
    return run;
  }

  async #applyNow(jws: string, origin: "api" | "cache"): Promise<boolean> {
    const { setup, logger } = this.#o;
    const verified = await verifyBundle(jws, {
      apiKey: setup.apiKey,
      kid: setup.state.api_signing_key.kid,
      gatewayId: setup.state.gateway_id,
      orgId: setup.state.org_id,
      floorVersion: this.#version,
      nowMs: this.#now(),
    });
    const keeping =
      this.#current === undefined
        ? "no bundle in force: every request is refused (503 no_policy)"
        : `keeping bundle ${this.#current.version}`;
    if (!verified.ok) {
      if (jws === this.#lastRejected) return false;
      this.#lastRejected = jws;
      logger(
        `policy: ${origin === "cache" ? "cached" : "received"} bundle rejected (${verified.code}): ${verified.message}; ${keeping}`,
      );
      return false;
    }
    const resolved = await this.#resolve(verified);
    if (!resolved.ok) {
      if (jws === this.#lastRejected) return false;
      this.#lastRejected = jws;
      logger(`policy: bundle v${verified.payload.version} rejected: ${resolved.message}; ${keeping}`);
      return false;
    }
    for (const [name, c] of resolved.credentials)
      if (!c.ok) logger(`policy: connector \`${name}\`: ${c.message}`);
    const snapshot: PolicySnapshot = {
      version: `v${verified.payload.version}`,
      document: verified.document,
      compiled: verified.compiled,
      registry: verified.registry,
      credentials: resolved.credentials,
      upstreamCaPem: resolved.upstreamCaPem,
    };
    this.#current = snapshot;
    this.#version = verified.payload.version;
    this.#expiresAtMs = verified.expiresAtMs;
    this.#expiredLogged = false;
    const c = verified.compiled.counts;
    logger(
      `policy: bundle ${snapshot.version} applied (${origin === "cache" ? "from the cache" : "from the API"}: ${c.connectors} connectors, ${c.policies} policies, ${c.killSwitches} kill switches; expires ${verified.payload.expires_at})`,
    );
    for (const listener of this.#listeners) listener(snapshot);
    if (origin === "api") {
      await this.#cache(jws, verified.payload.version);
      void this.#ack(verified.payload.version);
    }
    return true;
  }

  async #resolve(
    verified: VerifiedBundle,
  ): Promise<
    | { ok: true; credentials: Map<string, CredentialResolution>; upstreamCaPem: string | undefined }
    | { ok: false; message: string }
  > {
    const document: PolicyDocument = verified.document;
    // `env`/`file` sources name things on this machine (relative paths start at TF_HOME).
    const credentials = await resolveCredentials(document, this.#o.tfHome);
    for (const connector of document.connectors) {
      const source: CredentialSource | undefined = connector.credential;
      if (source?.encrypted === undefined) continue;
      const name = connector.name ?? connector.type;
      credentials.set(name, await openCredential(source.encrypted, name, this.#o.setup.decryptionKey));
    }
    let upstreamCaPem: string | undefined;
    const ca = document.upstream_ca;
    if (ca !== undefined) {
      if (ca.includes("-----BEGIN CERTIFICATE-----")) {
        upstreamCaPem = ca;
      } else {
        const path = resolvePath(this.#o.tfHome, ca);
        try {
          upstreamCaPem = await readFile(path, "utf8");
        } catch (error) {
          return {
            ok: false,
            message: `upstream_ca: cannot read \`${path}\`: ${(error as NodeJS.ErrnoException).code}`,
          };
        }
        if (!upstreamCaPem.includes("-----BEGIN CERTIFICATE-----")) {
          return { ok: false, message: `upstream_ca: \`${path}\` holds no PEM certificate` };
        }
      }
    }
    return { ok: true, credentials, upstreamCaPem };
  }

  /** Keeps the newest good bundle on disk; never replaces a newer one another `tf run` cached. */
  async #cache(jws: string, version: number): Promise<void> {
    try {
      const existing = await readBundleCache(this.#o.tfHome);
      const existingVersion = existing === undefined ? undefined : unverifiedVersion(existing);
      if (existingVersion !== undefined && existingVersion >= version) return;
      await writeBundleCache(this.#o.tfHome, jws);
    } catch (error) {
      this.#o.logger(`policy: cannot cache bundle v${version}: ${(error as Error).message}`);
    }
  }

  async #ack(version: number): Promise<void> {
    this.#acked = version;
    try {
      await this.#o.client.mutation("gatewayAgent.ackBundle", { version }, bundleAckResultSchema, {
        signal: this.#stop.signal,
      });
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      // Informational only (the dashboard's "applied version"): the bundle is in force regardless.
      this.#o.logger(`policy: could not report bundle v${version} as applied: ${(error as Error).message}`);
    }
  }
}
