import { Redis } from "ioredis";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { createRedisTestPrefix, redisTestUrl } from "./test-redis.ts";

describe("createRedisTestPrefix", () => {
  const observer = new Redis(redisTestUrl);
  afterAll(async () => {
    await observer.quit();
  });

  it("gives each test file its own key space on the real Redis and removes it on cleanup", async () => {
    const a = createRedisTestPrefix();
    const b = createRedisTestPrefix();
    onTestFinished(async () => {
      await a.cleanup();
      await b.cleanup();
    });
    expect(a.prefix).not.toBe(b.prefix);

    await a.client.set("shared-name", "a");
    await b.client.set("shared-name", "b");
    expect(await a.client.get("shared-name")).toBe("a");
    expect(await observer.get(`${a.prefix}shared-name`)).toBe("a");

    // Keys written by other connections under the prefix (e.g. BullMQ's) are removed too.
    const extra = a.connect({ maxRetriesPerRequest: null });
    await extra.rpush(`${a.prefix}queue:list`, "1", "2");
    await Promise.all(Array.from({ length: 1500 }, (_, i) => a.client.set(`bulk:${i}`, "x")));

    await a.cleanup();
    expect(await observer.keys(`${a.prefix}*`)).toEqual([]);
    expect(extra.status).toBe("end");
    expect(await observer.get(`${b.prefix}shared-name`)).toBe("b");
    await b.cleanup();
    expect(await observer.keys(`${b.prefix}*`)).toEqual([]);
  });
});
