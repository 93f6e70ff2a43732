import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { Logger } from "../../deps.ts";

/**
 * Wakes `gatewayAgent.pollBundle` long-polls when a gateway's bundle changed. A hint only:
 * the bundle lives in the database, and a waiter that misses a message (Redis restarting)
 * still finds it at its next database check.
 */
export interface BundleNotifier {
  /** Tells every waiter of this gateway, in every API process, that a new bundle exists. */
  publish(gatewayId: string): Promise<void>;
  /** Calls `listener` when the gateway's bundle changes; returns the unsubscribe function. */
  subscribe(gatewayId: string, listener: () => void): () => void;
  /** Wakes every waiter of this process at once (shutdown: long-polls answer instead of holding the drain). */
  wakeAll(): void;
  close(): Promise<void>;
}

const everyone = Symbol("every gateway");

function localListeners() {
  const emitter = new EventEmitter();
  // One listener per waiting long-poll: many gateways may wait at once.
  emitter.setMaxListeners(0);
  return {
    emit: (gatewayId: string) => emitter.emit(gatewayId),
    subscribe(gatewayId: string, listener: () => void) {
      emitter.on(gatewayId, listener);
      emitter.on(everyone, listener);
      return () => {
        emitter.off(gatewayId, listener);
        emitter.off(everyone, listener);
      };
    },
    wakeAll: () => emitter.emit(everyone),
    clear: () => emitter.removeAllListeners(),
  };
}

/** The embedded mode's notifier: one API process. */
export function createInProcessBundleNotifier(): BundleNotifier {
  const local = localListeners();
  return {
    async publish(gatewayId) {
      local.emit(gatewayId);
    },
    subscribe: local.subscribe,
    wakeAll: local.wakeAll,
    async close() {
      local.wakeAll();
      local.clear();
    },
  };
}

/**
 * Redis pub/sub on one channel (`<prefix>:bundles`): every API process subscribes once and
 * wakes its own waiters, so a change saved through one replica ends a long-poll held by
 * another within a round trip.
 */
export function createRedisBundleNotifier(options: {
  url: string;
  prefix: string;
  log?: Logger;
}): BundleNotifier {
  const channel = `${options.prefix}:bundles`;
  const local = localListeners();
  const publisher = new Redis(options.url, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(options.url, { maxRetriesPerRequest: null });
  let lastComplaint = 0;
  const complain = (error: Error) => {
    if (Date.now() - lastComplaint < 10_000) return;
    lastComplaint = Date.now();
    options.log?.warn(`bundle notifier: ${error.message}`);
  };
  publisher.on("error", complain);
  subscriber.on("error", complain);
  subscriber.on("message", (from: string, gatewayId: string) => {
    if (from === channel) local.emit(gatewayId);
  });
  // ioredis re-subscribes after a reconnect on its own.
  const subscribed = subscriber.subscribe(channel).catch((error: Error) => complain(error));

  return {
    async publish(gatewayId) {
      // Waiters in this process need not wait for the round trip through Redis.
      local.emit(gatewayId);
      try {
        await publisher.publish(channel, gatewayId);
      } catch (error) {
        // Other replicas' waiters find the bundle at their next database check.
        complain(error as Error);
      }
    },
    subscribe: local.subscribe,
    wakeAll: local.wakeAll,
    async close() {
      local.wakeAll();
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
