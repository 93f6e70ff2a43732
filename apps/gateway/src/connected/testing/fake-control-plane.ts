import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuditEvent,
  type BundlePayload,
  bundleJwsType,
  credentialJweConnectorHeader,
  type GatewayApprovalState,
  type PolicyDocumentInput,
} from "@tameflare/contracts";
import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import type { ConnectedState } from "../connected-state.ts";

/**
 * A stand-in for the control plane in the gateway's own tests: the gateway-facing
 * procedures over tRPC's HTTP conventions (register, pollBundle, ackBundle, audit.ingest,
 * approvals.create/wait), with its own Ed25519 key, bundles the test serves (also forged
 * ones), and switches to fail calls. The real API is exercised by apps/api's end-to-end test.
 */
export interface FakeControlPlane {
  url: string;
  token: string;
  gatewayId: string;
  orgId: string;
  kid: string;
  publicJwk: JWK;
  /** The state `tf init` would have written for this fake. */
  connectedState(): ConnectedState;
  /** Set by `register` (or by the test): the key credentials are sealed to. */
  gatewayEncryptionJwk: JWK | undefined;
  /** Signs a bundle payload (with this fake's key unless another is given). */
  sign(payload: BundlePayload, options?: { privateKey?: CryptoKey; kid?: string }): Promise<string>;
  /** A bundle for the gateway: `document` with defaults, numbered `version`, valid for `ttlMs`. */
  bundle(
    version: number,
    document: PolicyDocumentInput,
    options?: { ttlMs?: number; gatewayId?: string },
  ): Promise<string>;
  seal(connectorName: string, secret: string): Promise<string>;
  /** Makes `jws` the newest bundle (polls with an older `since` get it; waiting polls wake). */
  publish(jws: string, version: number): void;
  /** The next poll gets `jws` whatever its `since` (a replaying or forging API / network). */
  serveOnce(jws: string): void;
  /** While true every call answers 503. */
  down: boolean;
  /** The next `n` ingest calls fail with 503. */
  failIngests(n: number): void;
  /** The next `n` ingest calls are acknowledged but never stored (a queue lost them). */
  loseIngests(n: number): void;
  /** Stored event seqs per chain (what `audit.ingestStatus` counts). */
  stored: Map<string, Set<number>>;
  batches: number[];
  /** Every ingested event id with how many times it arrived. */
  ingested: Map<string, number>;
  acks: number[];
  approvals: Map<string, GatewayApprovalState>;
  decide(approvalId: string, status: "approved" | "denied" | "expired", by?: string, note?: string): void;
  close(): Promise<void>;
}

export async function startFakeControlPlane(
  options: { gatewayId?: string; orgId?: string } = {},
): Promise<FakeControlPlane> {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  const gatewayId = options.gatewayId ?? `gw_${randomBytes(8).toString("hex")}`;
  const orgId = options.orgId ?? `org_${randomBytes(8).toString("hex")}`;
  const token = `gwtk_${randomBytes(24).toString("base64url")}`;
  let latest: { jws: string; version: number } | undefined;
  let once: string | undefined;
  let ingestFailures = 0;
  let ingestLosses = 0;
  const waiters = new Set<() => void>();
  const approvalWaiters = new Set<() => void>();
  const wakeAll = (set: Set<() => void>) => {
    for (const w of [...set]) w();
  };

  const fake: FakeControlPlane = {
    url: "",
    token,
    gatewayId,
    orgId,
    kid,
    publicJwk,
    gatewayEncryptionJwk: undefined,
    down: false,
    batches: [],
    ingested: new Map(),
    acks: [],
    approvals: new Map(),
    connectedState: () => ({
      version: 1,
      gateway_id: gatewayId,
      gateway_name: "fake-gw",
      org_id: orgId,
      api_url: fake.url,
      api_signing_key: { kid, alg: "EdDSA", jwk: { kty: "OKP", ...publicJwk } },
      min_bundle_version: 0,
      registered_at: new Date().toISOString(),
    }),
    async sign(payload, signOptions = {}) {
      return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "EdDSA", kid: signOptions.kid ?? kid, typ: bundleJwsType })
        .sign(signOptions.privateKey ?? pair.privateKey);
    },
    async bundle(version, document, bundleOptions = {}) {
      const now = Date.now();
      const { policyDocumentSchema } = await import("@tameflare/contracts");
      return fake.sign({
        gateway_id: bundleOptions.gatewayId ?? gatewayId,
        org_id: orgId,
        version,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + (bundleOptions.ttlMs ?? 3600_000)).toISOString(),
        document: policyDocumentSchema.parse(document),
      });
    },
    async seal(connectorName, secret) {
      if (fake.gatewayEncryptionJwk === undefined)
        throw new Error("fake: no gateway encryption key registered");
      return new CompactEncrypt(new TextEncoder().encode(secret))
        .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", [credentialJweConnectorHeader]: connectorName })
        .encrypt(await importJWK(fake.gatewayEncryptionJwk, "ECDH-ES"));
    },
    publish(jws, version) {
      latest = { jws, version };
      wakeAll(waiters);
    },
    serveOnce(jws) {
      once = jws;
      wakeAll(waiters);
    },
    failIngests(n) {
      ingestFailures = n;
    },
    loseIngests(n) {
      ingestLosses = n;
    },
    stored: new Map(),
    decide(approvalId, status, by = "usr_tester", note) {
      const state = fake.approvals.get(approvalId);
      if (state === undefined) throw new Error(`fake: no approval ${approvalId}`);
      fake.approvals.set(approvalId, {
        ...state,
        status,
        decided_at: new Date().toISOString(),
        decided_by: status === "expired" ? "system:expiry" : by,
        decided_via: "dashboard",
        note: note ?? null,
      });
      wakeAll(approvalWaiters);
    },
    close: async () => {
      wakeAll(waiters);
      wakeAll(approvalWaiters);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json" }).end(text);
  };
  const ok = (res: http.ServerResponse, data: unknown) => send(res, 200, { result: { data } });
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { message, code: -32000, data: { code, httpStatus: status } } });

  const wait = (set: Set<() => void>, ms: number, req: http.IncomingMessage) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      req.on("close", done);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const path = url.pathname.replace(/^\/trpc\//, "");
    if (fake.down) return fail(res, 503, "SERVICE_UNAVAILABLE", "down for the test");
    if (req.headers.authorization !== `Bearer ${token}`) {
      return fail(res, 401, "UNAUTHORIZED", "a valid gateway token is required");
    }
    const input = (
      req.method === "GET" ? JSON.parse(url.searchParams.get("input") ?? "null") : JSON.parse(body || "null")
    ) as Record<string, unknown>;
    switch (path) {
      case "gatewayAgent.register": {
        fake.gatewayEncryptionJwk = input.encryption_public_jwk as JWK;
        return ok(res, {
          gateway_id: gatewayId,
          gateway_name: "fake-gw",
          org_id: orgId,
          api_signing_key: { kid, alg: "EdDSA", jwk: publicJwk },
          min_bundle_version: 0,
        });
      }
      case "gatewayAgent.pollBundle": {
        const since = Number(input.since);
        const deadline = Date.now() + Number(input.timeout_ms ?? 25_000);
        for (;;) {
          if (once !== undefined) {
            const jws = once;
            once = undefined;
            return ok(res, {
              status: "bundle",
              version: since + 1,
              jws,
              expires_at: new Date(Date.now() + 3600_000).toISOString(),
            });
          }
          if (latest !== undefined && latest.version > since) {
            return ok(res, {
              status: "bundle",
              version: latest.version,
              jws: latest.jws,
              expires_at: new Date(Date.now() + 3600_000).toISOString(),
            });
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0 || req.destroyed)
            return ok(res, { status: "not_modified", version: latest?.version ?? 0 });
          await wait(waiters, remaining, req);
          if (fake.down) return fail(res, 503, "SERVICE_UNAVAILABLE", "down for the test");
        }
      }
      case "gatewayAgent.ackBundle":
        fake.acks.push(Number(input.version));
        return ok(res, { ok: true });
      case "audit.ingest": {
        if (ingestFailures > 0) {
          ingestFailures -= 1;
          return fail(res, 503, "SERVICE_UNAVAILABLE", "the ingest queue is unavailable, retry later");
        }
        const events = input.events as AuditEvent[];
        if (input.gateway_id !== gatewayId || events.length < 1 || events.length > 5000) {
          return fail(res, 400, "BAD_REQUEST", "audit batch: bad batch");
        }
        fake.batches.push(events.length);
        for (const e of events) fake.ingested.set(e.id, (fake.ingested.get(e.id) ?? 0) + 1);
        if (ingestLosses > 0) {
          ingestLosses -= 1;
          return ok(res, { accepted: events.length });
        }
        for (const e of events) {
          const seqs = fake.stored.get(e.gateway_id) ?? new Set<number>();
          seqs.add(e.seq);
          fake.stored.set(e.gateway_id, seqs);
        }
        return ok(res, { accepted: events.length });
      }
      case "audit.ingestStatus": {
        const ranges = input.ranges as { chain_id: string; from_seq: number; to_seq: number }[];
        return ok(res, {
          ranges: ranges.map((r) => {
            const seqs = fake.stored.get(r.chain_id) ?? new Set<number>();
            let stored = 0;
            for (let seq = r.from_seq; seq <= r.to_seq; seq++) if (seqs.has(seq)) stored += 1;
            return { ...r, stored, complete: stored === r.to_seq - r.from_seq + 1 };
          }),
        });
      }
      case "approvals.create": {
        const id = `apv_${randomBytes(8).toString("hex")}`;
        const state: GatewayApprovalState = {
          approval_id: id,
          status: "pending",
          expires_at: new Date(Date.now() + Number(input.timeout_seconds ?? 600) * 1000).toISOString(),
          decided_at: null,
          decided_by: null,
          decided_via: null,
          note: null,
        };
        fake.approvals.set(id, state);
        return ok(res, state);
      }
      case "approvals.wait": {
        const id = String(input.approval_id);
        const deadline = Date.now() + Number(input.timeout_ms ?? 25_000);
        for (;;) {
          const state = fake.approvals.get(id);
          if (state === undefined) return fail(res, 404, "NOT_FOUND", `approval \`${id}\` not found`);
          if (state.status !== "pending" || Date.now() >= deadline || req.destroyed) return ok(res, state);
          await wait(approvalWaiters, deadline - Date.now(), req);
        }
      }
      default:
        return fail(res, 404, "NOT_FOUND", `no procedure \`${path}\``);
    }
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      handle(req, res, body).catch((error: Error) => {
        if (!res.headersSent) fail(res, 500, "INTERNAL_SERVER_ERROR", error.message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
