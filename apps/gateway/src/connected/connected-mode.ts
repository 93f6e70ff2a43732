import { randomBytes } from "node:crypto";
import { GatewayApiClient } from "./api-client.ts";
import { type ConnectedSetup, readConnectedSetup } from "./connected-state.ts";
import { RemoteApprovalBroker } from "./remote-approval-broker.ts";
import { RemoteAuditSink } from "./remote-audit-sink.ts";
import { RemotePolicySource } from "./remote-policy-source.ts";

/** A run id like the gateway's own: `<utc time>-<pid>-<random>` (names the spool file). */
export function newRunId(): string {
  const time = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${time}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

export interface ConnectedMode {
  setup: ConnectedSetup;
  runId: string;
  policySource: RemotePolicySource;
  auditSink: RemoteAuditSink;
  approvalBroker: RemoteApprovalBroker;
  /** Stops polling and shipping (after the gateway closed). */
  close(): Promise<void>;
}

/**
 * The three ports of the connected mode, from what `tf init` left under TF_HOME: signed
 * bundles, audit shipping and approvals, all through the API with the gateway token.
 */
export async function openConnectedMode(options: {
  tfHome: string;
  logger: (line: string) => void;
  fetch?: typeof fetch;
}): Promise<ConnectedMode> {
  const setup = await readConnectedSetup(options.tfHome);
  const client = new GatewayApiClient({
    apiUrl: setup.state.api_url,
    token: setup.token,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const runId = newRunId();
  const policySource = await RemotePolicySource.open({
    tfHome: options.tfHome,
    setup,
    client,
    logger: options.logger,
  });
  const auditSink = await RemoteAuditSink.open({
    tfHome: options.tfHome,
    runId,
    gatewayId: setup.state.gateway_id,
    client,
    logger: options.logger,
  });
  const approvalBroker = new RemoteApprovalBroker({ client, logger: options.logger });
  return {
    setup,
    runId,
    policySource,
    auditSink,
    approvalBroker,
    async close() {
      await approvalBroker.close();
      await policySource.close();
      await auditSink.close();
    },
  };
}
