import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis, type RedisOptions } from "ioredis";

export const redisTestUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface RedisTestPrefix {
  url: string;
  /** Unique key prefix for this test file, e.g. `tftest:3f9a…:`. Use it for every key (and as BullMQ's `prefix`). */
  prefix: string;
  /** A client whose commands are automatically prefixed (ioredis `keyPrefix`). */
  client: Redis;
  /** Opens another connection (e.g. for BullMQ with `maxRetriesPerRequest: null`); closed by `cleanup()`. */
  connect(options?: RedisOptions): Redis;
  /** Deletes every key under the prefix and closes every connection opened here. */
  cleanup(): Promise<void>;
}

/** Quits a connection and resolves once it has fully ended (quit's reply comes before that). */
async function close(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  const ended = once(redis, "end");
  await redis.quit();
  await ended;
}

/** A unique key space on the test Redis, cleaned up afterwards. */
export function createRedisTestPrefix(): RedisTestPrefix {
  const prefix = `tftest:${randomBytes(6).toString("hex")}:`;
  const connections: Redis[] = [];
  const connect = (options: RedisOptions = {}) => {
    const redis = new Redis(redisTestUrl, { lazyConnect: false, ...options });
    connections.push(redis);
    return redis;
  };
  const client = connect({ keyPrefix: prefix });
  return {
    url: redisTestUrl,
    prefix,
    client,
    connect,
    async cleanup() {
      // A separate connection without keyPrefix: SCAN matches raw key names.
      const admin = new Redis(redisTestUrl);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await admin.unlink(...keys);
        } while (cursor !== "0");
      } finally {
        await admin.quit();
        await Promise.all(connections.map(close));
      }
    },
  };
}
