import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { AuditSpool } from "./audit/spool.ts";
import { FilePolicySource } from "./config/file-policy-source.ts";
import { gatewayEnv } from "./env.ts";
import { watchDirectory } from "./local/fs-util.ts";
import { KillSwitchFile } from "./local/kill-switch-store.ts";
import { LocalApprovalBroker } from "./local/local-approval-broker.ts";
import type { ApprovalBroker } from "./ports/approval-broker.ts";
import type { AuditSink } from "./ports/audit-sink.ts";
import type { PolicySnapshot, PolicySource } from "./ports/policy-source.ts";
import { Recorder } from "./proxy/exchange.ts";
import { AgentRegistry } from "./proxy/identity.ts";
import { Pipeline } from "./proxy/pipeline.ts";
import { PoolManager } from "./proxy/pools.ts";
import { GatewayProxy } from "./proxy/server.ts";
import { ensureCaLoaded } from "./tls/ca.ts";
import { LeafCertificates } from "./tls/leaf-certs.ts";

export type {
  ApprovalBroker,
  ApprovalOutcome,
  ApprovalRequest,
  HeldApproval,
} from "./ports/approval-broker.ts";
export type { AuditEntry, AuditSink } from "./ports/audit-sink.ts";
export type { CredentialResolution, PolicySnapshot, PolicySource } from "./ports/policy-source.ts";

export interface StartGatewayOptions {
  /** State directory (default `~/.tameflare`, env TF_HOME). */
  tfHome: string;
  /** Local mode: `tameflare.yaml`, hot reloaded. Ignored when `policySource` is given. */
  configPath?: string;
  policySource?: PolicySource;
  auditSink?: AuditSink;
  approvalBroker?: ApprovalBroker;
  /** Proxy credentials: username → password. Unknown credentials get 407. */
  agents?: Record<string, string>;
  host?: string;
  port?: number;
  gatewayId?: string;
  /** This process's run id (default: made here); the connected mode's audit sink names its spool with it. */
  runId?: string;
  /** Notices, and one line per request when `logRequests`; never receives a secret. */
  logger?: (line: string) => void;
  /** Give the logger a line per request (default true); off, none is even built. */
  logRequests?: boolean;
}

export interface RunningGateway {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  caCertPath: string;
  /** Adds an agent with a fresh random password (for `HTTP_PROXY=http://user:pass@…`). */
  addAgent(name: string): { username: string; password: string };
  close(): Promise<void>;
  /** This process's run id: names its audit spool file (`audit/<runId>.jsonl`). */
  runId: string;
  /** The `gateway_id` of this process's audit events. */
  auditGatewayId: string;
  /** The current policy version, or undefined when there is no valid policy. */
  policyVersion(): string | undefined;
}

/** A PolicySource with nothing in it: every request is answered 503 `no_policy`. */
const emptyPolicySource: PolicySource = {
  current: () => undefined,
  subscribe: () => () => undefined,
  close: async () => undefined,
};

/**
 * Starts the edge gateway: the forward proxy with TLS interception, the request lifecycle,
 * and the local stores under `tfHome`. The three ports (policy, audit, approvals) default
 * to local mode; the connected mode passes its own.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const log = options.logger ?? ((line: string) => console.error(line));
  const tfHome = options.tfHome;
  await mkdir(tfHome, { recursive: true, mode: 0o700 });
  const gatewayId = options.gatewayId ?? "local";
  const runId =
    options.runId ??
    `${new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z")}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const ca = await ensureCaLoaded(tfHome);
  const leaves = new LeafCertificates(ca);

  const policy =
    options.policySource ??
    (options.configPath !== undefined
      ? await FilePolicySource.open({ path: options.configPath, gatewayId, logger: log })
      : emptyPolicySource);
  if (!options.policySource && options.configPath === undefined) {
    log("policy: no configuration given, every request is refused (503 no_policy)");
  }
  const auditGatewayId = `${gatewayId}:${runId}`;
  const audit = options.auditSink ?? (await AuditSpool.open({ tfHome, runId, gatewayId: auditGatewayId }));
  const broker = options.approvalBroker ?? new LocalApprovalBroker(tfHome, log);
  const killSwitches = new KillSwitchFile(tfHome, log);
  const agents = new AgentRegistry(options.agents);
  const pools = new PoolManager(gatewayEnv().systemCaFile);
  const recorder = new Recorder(audit, log, options.logRequests ?? true);
  const pipeline = new Pipeline({ gatewayId, policy, killSwitches, broker, log });
  const proxy = new GatewayProxy({ pipeline, recorder, pools, agents, leaves, policy, killSwitches, log });

  // Held requests are re-checked when a kill switch or the policy changes.
  const unsubscribe = policy.subscribe((_s: PolicySnapshot) => pipeline.recheckHeld());
  const stopWatching = watchDirectory(tfHome, (name) => {
    if (pipeline.heldCount > 0 && (name === undefined || name.startsWith("kill-switches")))
      pipeline.recheckHeld();
  });

  const host = options.host ?? "127.0.0.1";
  const port = await proxy.listen(options.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    caCertPath: ca.certPath,
    runId,
    auditGatewayId,
    addAgent: (name) => agents.add(name),
    policyVersion: () => policy.current()?.version,
    close: () => {
      closing ??= (async () => {
        stopWatching();
        unsubscribe();
        await broker.close();
        await proxy.close();
        pools.close();
        if (!options.policySource) await policy.close();
        if (!options.auditSink) await audit.close();
      })();
      return closing;
    },
  };
}
