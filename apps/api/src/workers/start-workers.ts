import type { AppDeps } from "../deps.ts";
import type { QueueWorker } from "../queue/queue.ts";
import { startApprovalExpiryWorker } from "./approval-expiry-worker.ts";
import { type AuditIngestWorkerOptions, startAuditIngestWorker } from "./audit-ingest-worker.ts";
import { startSlackNotifyWorker } from "./slack-notify-worker.ts";

export interface WorkersOptions {
  audit?: AuditIngestWorkerOptions;
  approvalSweepIntervalMs?: number;
}

/** Starts every queue consumer of the control plane; `close()` stops them, each finishing its running jobs. */
export function startWorkers(deps: AppDeps, options: WorkersOptions = {}): QueueWorker {
  const workers: QueueWorker[] = [
    startAuditIngestWorker(deps, options.audit),
    startApprovalExpiryWorker(
      deps,
      options.approvalSweepIntervalMs === undefined
        ? {}
        : { sweepIntervalMs: options.approvalSweepIntervalMs },
    ),
    startSlackNotifyWorker(deps),
  ];
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
