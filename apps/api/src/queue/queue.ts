import type { queueNames } from "@tameflare/contracts";

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

export interface JobOptions {
  /** Run no earlier than this many ms from now (approval expiry). */
  delayMs?: number;
  /**
   * Deduplication id: adding a job with an id already queued (waiting, delayed or running) is
   * a no-op; a job that completed or failed for good no longer holds its id.
   */
  jobId?: string;
}

export interface QueueWorker {
  close(): Promise<void>;
}

/**
 * Thrown by a job handler when retrying cannot help (a payload that fails its schema, a
 * gateway that no longer exists): the job fails at once instead of after every retry.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/**
 * The queue port. BullMQ on Redis when REDIS_URL is set; an in-process queue in
 * the embedded mode. `add` resolves only once the queue has accepted the job, so
 * callers may acknowledge upstream after it.
 */
export interface JobQueue {
  readonly kind: "bullmq" | "in-process";
  add(queue: QueueName, payload: unknown, options?: JobOptions): Promise<void>;
  addBulk(queue: QueueName, jobs: { payload: unknown; options?: JobOptions }[]): Promise<void>;
  /** Starts consuming; the handler's rejection retries the job with backoff. */
  process(
    queue: QueueName,
    handler: (payload: unknown) => Promise<void>,
    options?: { concurrency?: number },
  ): QueueWorker;
  /** Jobs waiting or delayed (for /metrics). */
  depth(queue: QueueName): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
