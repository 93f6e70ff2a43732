import type { Database, Repositories } from "@tameflare/db";
import type { ApiEnv } from "./env.ts";
import type { AppHooks } from "./hooks.ts";
import type { ApiMetrics } from "./metrics/metrics.ts";
import type { JobQueue } from "./queue/queue.ts";
import type { ApprovalNotifier } from "./services/approvals/approval-notifier.ts";
import type { BundleNotifier } from "./services/bundles/bundle-notifier.ts";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, cause?: unknown): void;
}

/**
 * Everything a procedure or worker needs, passed in (never imported as
 * singletons) so tests build their own with a real database and queue.
 */
export interface AppDeps {
  env: ApiEnv;
  db: Database;
  repos: Repositories;
  queue: JobQueue;
  log: Logger;
  clock: () => Date;
  randomBytes: (size: number) => Uint8Array;
  /** Listeners for config changes and kill switches (see hooks.ts); none when absent. */
  hooks?: AppHooks;
  /**
   * Tells `approvals.wait` long-polls (in any API process) that an approval was decided.
   * Absent: waits fall back to polling the database.
   */
  approvalNotifier?: ApprovalNotifier;
  /**
   * Wakes `gatewayAgent.pollBundle` long-polls (in any API process) when a bundle is issued.
   * Absent: an in-process notifier (one API process).
   */
  bundleNotifier?: BundleNotifier;
  /** Counters for `/metrics`; absent: nothing is counted. */
  metrics?: ApiMetrics;
  /** Aborted when a graceful shutdown begins: long-polls answer at once so the drain is quick. */
  shutdownSignal?: AbortSignal;
}

export function consoleLogger(prefix = "api"): Logger {
  return {
    info: (m) => console.log(`[${prefix}] ${m}`),
    warn: (m) => console.warn(`[${prefix}] ${m}`),
    error: (m, cause) =>
      console.error(`[${prefix}] ${m}`, cause instanceof Error ? cause.stack : (cause ?? "")),
  };
}
