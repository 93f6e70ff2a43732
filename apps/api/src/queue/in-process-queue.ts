import type { Logger } from "../deps.ts";
import {
  type JobOptions,
  type JobQueue,
  PermanentJobError,
  type QueueName,
  type QueueWorker,
} from "./queue.ts";

export interface InProcessQueueOptions {
  /** Tries per job, the first included (default 10). */
  attempts?: number;
  /** First retry delay; each later retry doubles it (default 500 ms). */
  backoffMs?: number;
  /** Longest retry delay (default 60 s). */
  maxBackoffMs?: number;
  log?: Logger;
}

interface Job {
  seq: number;
  jobId: string | undefined;
  /** The payload as JSON text: handlers get a fresh copy, as they would from Redis. */
  data: string;
  attemptsMade: number;
}

interface Consumer {
  handler: (payload: unknown) => Promise<void>;
  concurrency: number;
  active: Set<Promise<void>>;
  closed: boolean;
}

interface Lane {
  waiting: Job[];
  delayed: Map<number, { job: Job; timer: NodeJS.Timeout }>;
  /** Job ids of jobs waiting, delayed or running (deduplication, like BullMQ's). */
  ids: Set<string>;
  consumers: Consumer[];
}

/**
 * The embedded mode's queue: the same JobQueue port as BullMQ (delays, retries with
 * exponential backoff, job-id deduplication, concurrency), kept in this process's memory.
 *
 * NOT durable: jobs waiting, delayed or running are lost when the process exits. What
 * depends on them recovers by other means: gateways re-ship audit batches the API has not
 * stored (`audit.ingestStatus`), pending approvals past their time are expired by the
 * expiry sweep, and a lost Slack notification is not re-sent (the approval stays visible
 * in the dashboard). Use Redis (REDIS_URL) where that matters.
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): JobQueue {
  const attempts = Math.max(1, options.attempts ?? 10);
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const lanes = new Map<QueueName, Lane>();
  let nextSeq = 0;
  let closed = false;

  function lane(name: QueueName): Lane {
    let found = lanes.get(name);
    if (found === undefined) {
      found = { waiting: [], delayed: new Map(), ids: new Set(), consumers: [] };
      lanes.set(name, found);
    }
    return found;
  }

  function enqueue(name: QueueName, payload: unknown, jobOptions: JobOptions | undefined): void {
    if (closed) throw new Error("queue: closed");
    const l = lane(name);
    const jobId = jobOptions?.jobId;
    if (jobId !== undefined) {
      if (l.ids.has(jobId)) return;
      l.ids.add(jobId);
    }
    const data = JSON.stringify(payload ?? null);
    const job: Job = { seq: nextSeq++, jobId, data, attemptsMade: 0 };
    const delay = jobOptions?.delayMs ?? 0;
    if (delay > 0) schedule(name, job, delay);
    else l.waiting.push(job);
  }

  function schedule(name: QueueName, job: Job, delayMs: number): void {
    const l = lane(name);
    const timer = setTimeout(() => {
      l.delayed.delete(job.seq);
      l.waiting.push(job);
      dispatch(name);
    }, delayMs);
    l.delayed.set(job.seq, { job, timer });
  }

  function dispatch(name: QueueName): void {
    if (closed) return;
    const l = lane(name);
    for (const consumer of l.consumers) {
      while (!consumer.closed && consumer.active.size < consumer.concurrency && l.waiting.length > 0) {
        const job = l.waiting.shift() as Job;
        const running: Promise<void> = run(name, consumer, job).finally(() => {
          consumer.active.delete(running);
          dispatch(name);
        });
        consumer.active.add(running);
      }
    }
  }

  async function run(name: QueueName, consumer: Consumer, job: Job): Promise<void> {
    const l = lane(name);
    job.attemptsMade += 1;
    try {
      await consumer.handler(JSON.parse(job.data));
      if (job.jobId !== undefined) l.ids.delete(job.jobId);
    } catch (error) {
      const permanent = error instanceof PermanentJobError;
      if (!permanent && job.attemptsMade < attempts && !closed) {
        const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (job.attemptsMade - 1));
        options.log?.warn(
          `queue \`${name}\`: attempt ${job.attemptsMade} of ${attempts} failed, retrying in ${delay} ms: ${describe(error)}`,
        );
        schedule(name, job, delay);
        return;
      }
      if (job.jobId !== undefined) l.ids.delete(job.jobId);
      options.log?.error(
        `queue \`${name}\`: job failed ${permanent ? "permanently" : `after ${job.attemptsMade} attempt(s)`}`,
        error,
      );
    }
  }

  return {
    kind: "in-process",

    async add(name, payload, jobOptions) {
      enqueue(name, payload, jobOptions);
      dispatch(name);
    },

    async addBulk(name, jobs) {
      for (const job of jobs) enqueue(name, job.payload, job.options);
      dispatch(name);
    },

    process(name, handler, processOptions): QueueWorker {
      const consumer: Consumer = {
        handler,
        concurrency: Math.max(1, processOptions?.concurrency ?? 1),
        active: new Set(),
        closed: false,
      };
      const l = lane(name);
      l.consumers.push(consumer);
      queueMicrotask(() => dispatch(name));
      return {
        async close() {
          consumer.closed = true;
          l.consumers = l.consumers.filter((c) => c !== consumer);
          await Promise.all(consumer.active);
        },
      };
    },

    async depth(name) {
      const l = lanes.get(name);
      return l === undefined ? 0 : l.waiting.length + l.delayed.size;
    },

    async ping() {
      return !closed;
    },

    async close() {
      closed = true;
      const running: Promise<void>[] = [];
      for (const l of lanes.values()) {
        for (const { timer } of l.delayed.values()) clearTimeout(timer);
        l.delayed.clear();
        for (const c of l.consumers) {
          c.closed = true;
          running.push(...c.active);
        }
        l.consumers = [];
      }
      await Promise.all(running);
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
