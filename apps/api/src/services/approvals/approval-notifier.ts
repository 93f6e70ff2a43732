import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { Logger } from "../../deps.ts";

/**
 * Wakes `approvals.wait` long-polls when an approval is settled. A hint only: a lost message
 * (Redis restarting) delays a waiter until its next database check, never loses the decision,
 * which lives in the database.
 */
export interface ApprovalNotifier {
  /** Tells every waiter, in every API process, that this approval changed. */
  publish(approvalId: string): Promise<void>;
  /** Calls `listener` when the approval changes; returns the unsubscribe function. */
  subscribe(approvalId: string, listener: () => void): () => void;
  close(): Promise<void>;
}

function localListeners() {
  const emitter = new EventEmitter();
  // One listener per waiting long-poll: many may wait at once.
  emitter.setMaxListeners(0);
  return {
    emit: (approvalId: string) => emitter.emit(approvalId),
    subscribe(approvalId: string, listener: () => void) {
      emitter.on(approvalId, listener);
      return () => {
        emitter.off(approvalId, listener);
      };
    },
    clear: () => emitter.removeAllListeners(),
  };
}

/** The embedded mode's notifier: API and workers share one process. */
export function createInProcessApprovalNotifier(): ApprovalNotifier {
  const local = localListeners();
  return {
    async publish(approvalId) {
      local.emit(approvalId);
    },
    subscribe: local.subscribe,
    async close() {
      local.clear();
    },
  };
}

/**
 * Redis pub/sub on one channel (`<prefix>:approvals`): every API process subscribes once and
 * wakes its own waiters, so a decision taken on one replica (or the expiry worker) ends a
 * long-poll held by another.
 */
export function createRedisApprovalNotifier(options: {
  url: string;
  prefix: string;
  log?: Logger;
}): ApprovalNotifier {
  const channel = `${options.prefix}:approvals`;
  const local = localListeners();
  const publisher = new Redis(options.url, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(options.url, { maxRetriesPerRequest: null });
  let lastComplaint = 0;
  const complain = (error: Error) => {
    if (Date.now() - lastComplaint < 10_000) return;
    lastComplaint = Date.now();
    options.log?.warn(`approval notifier: ${error.message}`);
  };
  publisher.on("error", complain);
  subscriber.on("error", complain);
  subscriber.on("message", (from: string, approvalId: string) => {
    if (from === channel) local.emit(approvalId);
  });
  // ioredis re-subscribes after a reconnect on its own.
  const subscribed = subscriber.subscribe(channel).catch((error: Error) => complain(error));

  return {
    async publish(approvalId) {
      // Waiters in this process need not wait for the round trip through Redis.
      local.emit(approvalId);
      try {
        await publisher.publish(channel, approvalId);
      } catch (error) {
        // Other processes' waiters will see the decision at their next database check.
        complain(error as Error);
      }
    },
    subscribe: local.subscribe,
    async close() {
      await subscribed;
      local.clear();
      await Promise.all(
        [publisher, subscriber].map(async (c) => {
          if (c.status === "end") return;
          try {
            await c.quit();
          } catch (error) {
            complain(error as Error);
            c.disconnect();
          }
        }),
      );
    },
  };
}
