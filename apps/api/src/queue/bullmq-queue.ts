import { type JobsOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../deps.ts";
import {
  type JobOptions,
  type JobQueue,
  PermanentJobError,
  type QueueName,
  type QueueWorker,
} from "./queue.ts";

export interface BullmqQueueOptions {
  /** `redis://…` */
  url: string;
  /** Key prefix of every queue key (default `tf`); tests pass a unique one. */
  prefix?: string;
  /** Tries per job, the first included (default 15: with the default backoff, hours of retrying). */
  attempts?: number;
  /** First retry delay; each later retry doubles it (default 500 ms). */
  backoffMs?: number;
  /** How long `add` waits for Redis to accept a job before failing (default 5 s). */
  addTimeoutMs?: number;
  /** A running job whose worker died is handed to another worker after this long (default 30 s). */
  lockDurationMs?: number;
  /** How often workers look for such stalled jobs (default 30 s). */
  stalledIntervalMs?: number;
  log?: Logger;
}

/** A failure of the queue itself (Redis down or too slow): the caller should retry later. */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "QueueUnavailableError";
  }
}

/**
 * The JobQueue port on BullMQ (Redis). `add`/`addBulk` resolve once Redis has stored the
 * job (callers acknowledge upstream only then); jobs retry with exponential backoff; a
 * `jobId` deduplicates while the job is queued, as the port says: a job is removed when it
 * completes and when it fails for good (its failure is logged with the job id), so the id is
 * free again. Keeping failed jobs (BullMQ's habit) kept their ids too, and a gateway that
 * re-shipped a batch the API never stored was deduplicated against the dead job forever.
 *
 * Connections: one for producing (commands fail fast while Redis is down, so an ingest
 * call answers 503 and the gateway retries) and one per worker with
 * `maxRetriesPerRequest: null` (workers wait for Redis to come back).
 */
export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const prefix = options.prefix ?? "tf";
  const attempts = Math.max(1, options.attempts ?? 15);
  const backoffMs = options.backoffMs ?? 500;
  const addTimeoutMs = options.addTimeoutMs ?? 5000;
  const log = options.log;
  const complain = throttledLogger(log);

  const producer = new Redis(options.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  producer.on("error", (error) => complain("redis (producer)", error));
  const connections: Redis[] = [producer];
  const queues = new Map<QueueName, Queue>();
  const workers = new Set<Worker>();
  let closing: Promise<void> | undefined;

  function queueFor(name: QueueName): Queue {
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, {
        connection: producer,
        prefix,
        defaultJobOptions: {
          attempts,
          backoff: { type: "exponential", delay: backoffMs },
          removeOnComplete: true,
          removeOnFail: true,
        },
      });
      queue.on("error", (error) => complain(`queue \`${name}\``, error));
      queues.set(name, queue);
    }
    return queue;
  }

  function jobOptions(options: JobOptions | undefined): JobsOptions {
    const out: JobsOptions = {};
    // BullMQ reserves `:` in custom ids (it separates key parts).
    if (options?.jobId !== undefined) out.jobId = options.jobId.replaceAll(":", "%3A");
    if (options?.delayMs !== undefined && options.delayMs > 0) out.delay = Math.ceil(options.delayMs);
    return out;
  }

  async function accepted<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new QueueUnavailableError(`${what}: redis did not accept the job within ${addTimeoutMs} ms`),
          ),
        addTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (cause) {
      if (cause instanceof QueueUnavailableError) throw cause;
      throw new QueueUnavailableError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  function ensureOpen(): void {
    if (closing !== undefined) throw new QueueUnavailableError("queue: closed");
  }

  return {
    kind: "bullmq",

    async add(name, payload, options) {
      ensureOpen();
      await accepted(`queue \`${name}\``, queueFor(name).add(name, payload, jobOptions(options)));
    },

    async addBulk(name, jobs) {
      ensureOpen();
      if (jobs.length === 0) return;
      await accepted(
        `queue \`${name}\``,
        queueFor(name).addBulk(
          jobs.map((job) => ({ name, data: job.payload, opts: jobOptions(job.options) })),
        ),
      );
    },

    process(name, handler, processOptions): QueueWorker {
      ensureOpen();
      const connection = new Redis(options.url, { maxRetriesPerRequest: null });
      connection.on("error", (error) => complain(`redis (worker \`${name}\`)`, error));
      connections.push(connection);
      const worker = new Worker(
        name,
        async (job) => {
          try {
            await handler(job.data);
          } catch (error) {
            if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
            throw error;
          }
        },
        {
          connection,
          prefix,
          concurrency: Math.max(1, processOptions?.concurrency ?? 1),
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
          maxStalledCount: 5,
        },
      );
      worker.on("error", (error) => complain(`worker \`${name}\``, error));
      worker.on("failed", (job, error) => {
        if (job === undefined) return;
        const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (final)
          log?.error(
            `queue \`${name}\`: job \`${job.id}\` failed after ${job.attemptsMade} attempt(s)`,
            error,
          );
        else
          log?.warn(
            `queue \`${name}\`: attempt ${job.attemptsMade} of job \`${job.id}\` failed, will retry: ${error.message}`,
          );
      });
      workers.add(worker);
      return {
        async close() {
          workers.delete(worker);
          await worker.close();
        },
      };
    },

    async depth(name) {
      return queueFor(name).getJobCountByTypes("waiting", "delayed", "prioritized");
    },

    async ping() {
      if (closing !== undefined || producer.status !== "ready") return false;
      try {
        return (await accepted("ping", producer.ping())) === "PONG";
      } catch (cause) {
        complain("redis ping", cause);
        return false;
      }
    },

    close() {
      closing ??= (async () => {
        // Workers first (each finishes its running jobs), then the queues, then connections.
        await Promise.all([...workers].map((w) => w.close()));
        workers.clear();
        await Promise.all([...queues.values()].map((q) => q.close()));
        await Promise.all(
          connections.map(async (c) => {
            if (c.status === "end") return;
            try {
              await c.quit();
            } catch (cause) {
              // Redis already gone: drop the socket instead of waiting for a reply.
              complain("redis quit", cause);
              c.disconnect();
            }
          }),
        );
      })();
      return closing;
    },
  };
}

/** Logs a recurring connection error at most once per 10 s per source (a Redis restart repeats them). */
function throttledLogger(log: Logger | undefined): (source: string, error: unknown) => void {
  const last = new Map<string, number>();
  return (source, error) => {
    const now = Date.now();
    if (now - (last.get(source) ?? 0) < 10_000) return;
    last.set(source, now);
    log?.warn(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  };
}
