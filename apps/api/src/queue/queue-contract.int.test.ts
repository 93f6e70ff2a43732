import { queueNames } from "@tameflare/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisTestPrefix, type RedisTestPrefix } from "../../../../tests/support/index.ts";
import { createCaptureLogger } from "../testing/test-deps.ts";
import { waitFor } from "../testing/wait-for.ts";
import { createBullmqQueue } from "./bullmq-queue.ts";
import { createInProcessQueue } from "./in-process-queue.ts";
import { type JobQueue, PermanentJobError } from "./queue.ts";

interface Implementation {
  name: string;
  open(): Promise<{ queue: JobQueue; cleanup(): Promise<void> }>;
}

const retryBackoffMs = 40;

const implementations: Implementation[] = [
  {
    name: "bullmq",
    async open() {
      const redis: RedisTestPrefix = createRedisTestPrefix();
      const queue = createBullmqQueue({
        url: redis.url,
        prefix: redis.prefix.slice(0, -1),
        attempts: 4,
        backoffMs: retryBackoffMs,
        log: createCaptureLogger(),
      });
      return {
        queue,
        async cleanup() {
          await queue.close();
          await redis.cleanup();
        },
      };
    },
  },
  {
    name: "in-process",
    async open() {
      const queue = createInProcessQueue({
        attempts: 4,
        backoffMs: retryBackoffMs,
        log: createCaptureLogger(),
      });
      return { queue, cleanup: () => queue.close() };
    },
  },
];

const q = queueNames.auditIngest;

describe.each(implementations)("JobQueue contract on $name", (impl) => {
  let opened: Awaited<ReturnType<Implementation["open"]>> | undefined;
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  async function open(): Promise<JobQueue> {
    opened = await impl.open();
    return opened.queue;
  }

  it("delivers each added job's payload once, as JSON (a copy, not the caller's object)", async () => {
    const queue = await open();
    const seen: unknown[] = [];
    queue.process(q, async (payload) => {
      seen.push(payload);
    });
    const original = { n: 1, at: "x", nested: { list: [1, 2] } };
    await queue.add(q, original);
    original.n = 99;
    await queue.addBulk(q, [{ payload: { n: 2 } }, { payload: { n: 3 } }]);
    await waitFor("three jobs", () => seen.length === 3);
    expect(seen).toEqual(
      expect.arrayContaining([{ n: 1, at: "x", nested: { list: [1, 2] } }, { n: 2 }, { n: 3 }]),
    );
    expect(await queue.depth(q)).toBe(0);
    expect(await queue.ping()).toBe(true);
  });

  it("a job id already queued makes a second add a no-op (deduplication)", async () => {
    const queue = await open();
    await queue.add(q, { n: 1 }, { jobId: "batch:abc" });
    await queue.add(q, { n: 2 }, { jobId: "batch:abc" });
    await queue.addBulk(q, [
      { payload: { n: 3 }, options: { jobId: "batch:abc" } },
      { payload: { n: 4 }, options: { jobId: "batch:def" } },
    ]);
    expect(await queue.depth(q)).toBe(2);
    const seen: unknown[] = [];
    queue.process(q, async (payload) => {
      seen.push(payload);
    });
    await waitFor("two jobs", () => seen.length === 2);
    expect(seen).toEqual([{ n: 1 }, { n: 4 }]);
  });

  it("a delayed job counts in depth and runs no earlier than its delay", async () => {
    const queue = await open();
    const ran: number[] = [];
    queue.process(queueNames.approvalExpiry, async () => {
      ran.push(Date.now());
    });
    const addedAt = Date.now();
    await queue.add(queueNames.approvalExpiry, { approval_id: "apv_1" }, { delayMs: 400 });
    expect(await queue.depth(queueNames.approvalExpiry)).toBe(1);
    await waitFor("the delayed job", () => ran.length === 1);
    expect((ran[0] as number) - addedAt).toBeGreaterThanOrEqual(390);
    expect(await queue.depth(queueNames.approvalExpiry)).toBe(0);
  });

  it("a failing job is retried with growing backoff until it succeeds", async () => {
    const queue = await open();
    const attempts: number[] = [];
    queue.process(q, async () => {
      attempts.push(Date.now());
      if (attempts.length < 3) throw new Error("database is restarting");
    });
    await queue.add(q, { n: 1 });
    await waitFor("three attempts", () => attempts.length === 3);
    const [a, b, c] = attempts as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(retryBackoffMs - 5);
    expect(c - b).toBeGreaterThanOrEqual(2 * retryBackoffMs - 5);
  });

  it("a PermanentJobError fails the job at once, without retries", async () => {
    const queue = await open();
    let calls = 0;
    const after: unknown[] = [];
    queue.process(q, async (payload) => {
      calls += 1;
      if ((payload as { bad?: boolean }).bad)
        throw new PermanentJobError("payload does not match its schema");
      after.push(payload);
    });
    await queue.add(q, { bad: true });
    await queue.add(q, { ok: 1 });
    await waitFor("the good job", () => after.length === 1);
    // The bad job ran exactly once; no retry is scheduled.
    expect(calls).toBe(2);
    expect(await queue.depth(q)).toBe(0);
  });

  it("a job that failed for good frees its id: the same batch added again runs again", async () => {
    // A gateway re-ships a range the API never stored under the same batch id; a failed job
    // that kept the id would swallow every re-shipment.
    const queue = await open();
    let healthy = false;
    const calls: boolean[] = [];
    const stored: unknown[] = [];
    queue.process(q, async (payload) => {
      calls.push(healthy);
      if (!healthy) throw new Error("database is down");
      stored.push(payload);
    });
    await queue.add(q, { n: 1 }, { jobId: "batch:ghi" });
    await waitFor("every attempt of the first add", () => calls.length === 4);
    // Its last attempt has failed; give the queue the moment it takes to record that.
    await waitFor("the failure recorded", async () => (await queue.depth(q)) === 0);
    healthy = true;
    await waitFor("the re-added batch runs", async () => {
      await queue.add(q, { n: 1 }, { jobId: "batch:ghi" });
      return stored.length > 0;
    });
    expect(stored[0]).toEqual({ n: 1 });
  });

  it("runs up to `concurrency` jobs at once, never more", async () => {
    const queue = await open();
    let running = 0;
    let peak = 0;
    let done = 0;
    const gate: { open?: () => void } = {};
    const opened = new Promise<void>((resolve) => {
      gate.open = resolve;
    });
    queue.process(
      q,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await opened;
        running -= 1;
        done += 1;
      },
      { concurrency: 3 },
    );
    await queue.addBulk(
      q,
      Array.from({ length: 8 }, (_, n) => ({ payload: { n } })),
    );
    await waitFor("three jobs running", () => running === 3);
    gate.open?.();
    await waitFor("all jobs done", () => done === 8);
    expect(peak).toBe(3);
  });

  it("closing a worker lets its running job finish and takes no new ones", async () => {
    const queue = await open();
    let finished = 0;
    let started = 0;
    const release: { fn?: () => void } = {};
    const worker = queue.process(q, async () => {
      started += 1;
      await new Promise<void>((resolve) => {
        release.fn = resolve;
      });
      finished += 1;
    });
    await queue.add(q, { n: 1 });
    await waitFor("the job to start", () => started === 1);
    const closing = worker.close();
    release.fn?.();
    await closing;
    expect(finished).toBe(1);
    await queue.add(q, { n: 2 });
    expect(await queue.depth(q)).toBe(1);
    expect(started).toBe(1);
  });
});
