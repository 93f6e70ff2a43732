import { type AuditEvent, parseAuditIngestJob, queueNames } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";
import { PermanentJobError, type QueueWorker } from "../queue/queue.ts";

export interface AuditIngestWorkerOptions {
  /** Jobs handled at once; several jobs' events share one insert when the queue is deep (default 8). */
  concurrency?: number;
  /** An insert starts as soon as this many events are waiting (default 10,000). */
  maxEventsPerInsert?: number;
  /** Otherwise it starts this long after the first waiting event (default 5 ms). */
  lingerMs?: number;
  /** Inserts running at once; while they run, arriving jobs gather for the next one (default 2). */
  maxConcurrentInserts?: number;
}

interface PendingJob {
  events: AuditEvent[];
  resolve(): void;
  reject(error: unknown): void;
}

interface Group {
  orgId: string;
  gatewayId: string;
  jobs: PendingJob[];
}

/**
 * The audit-ingest worker: takes batches from the queue and stores them with
 * `repos.audit.insertBatch` (one COPY or multi-row insert, already-stored events ignored). The open
 * source BullMQ worker has no batch mode, so batching is done here: the handlers of jobs
 * running at once hand their events to a shared batcher and each resolves when the insert
 * holding its events committed. A failed insert fails every job in it, and each is retried
 * by the queue (storage is idempotent, so a retry never duplicates).
 */
export function startAuditIngestWorker(deps: AppDeps, options: AuditIngestWorkerOptions = {}): QueueWorker {
  const batcher = createInsertBatcher(deps, options);
  return deps.queue.process(
    queueNames.auditIngest,
    async (payload) => {
      const job = parseAuditIngestJob(payload);
      if (!job.ok) throw new PermanentJobError(job.message);
      await batcher.add(job.value.org_id, job.value.gateway_id, job.value.events);
    },
    { concurrency: options.concurrency ?? deps.env.AUDIT_WORKER_CONCURRENCY },
  );
}

export function createInsertBatcher(deps: AppDeps, options: AuditIngestWorkerOptions = {}) {
  const maxEvents = options.maxEventsPerInsert ?? 10_000;
  const lingerMs = options.lingerMs ?? 5;
  const maxInserts = options.maxConcurrentInserts ?? 2;
  let pending = new Map<string, Group>();
  let pendingEvents = 0;
  let running = 0;
  let timer: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (pendingEvents === 0 || running >= maxInserts) return;
    if (pendingEvents >= maxEvents) {
      flush();
      return;
    }
    timer ??= setTimeout(flush, lingerMs);
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (pendingEvents === 0 || running >= maxInserts) return;
    const groups = [...pending.values()];
    pending = new Map();
    pendingEvents = 0;
    running += 1;
    void (async () => {
      try {
        await Promise.all(groups.map((g) => insertGroup(g)));
      } finally {
        running -= 1;
        schedule();
      }
    })();
  }

  async function insertGroup(group: Group): Promise<void> {
    const scope = { orgId: group.orgId, gatewayId: group.gatewayId };
    const events =
      group.jobs.length === 1 ? (group.jobs[0] as PendingJob).events : group.jobs.flatMap((j) => j.events);
    let result: Awaited<ReturnType<typeof deps.repos.audit.insertBatch>>;
    try {
      result = await deps.repos.audit.insertBatch(scope, events);
    } catch (error) {
      // The database is unreachable or failed: every job in this insert is retried by the queue.
      for (const job of group.jobs) job.reject(error);
      return;
    }
    if (result.ok) {
      deps.metrics?.auditInserts.inc("inserts");
      deps.metrics?.auditInserts.inc("jobs", group.jobs.length);
      for (const [decision, n] of Object.entries(result.value.byDecision))
        deps.metrics?.auditEventsStored.inc(decision, n);
      deps.metrics?.auditEventsDuplicate.inc("", events.length - result.value.inserted);
      for (const job of group.jobs) job.resolve();
      return;
    }
    if (result.code === "seq_conflict" && group.jobs.length > 1) {
      // One job's events fork a stored chain: store the others, fail only that one.
      for (const job of group.jobs) await insertGroup({ ...group, jobs: [job] });
      return;
    }
    // An unknown gateway or a foreign event cannot succeed on retry.
    for (const job of group.jobs) job.reject(new PermanentJobError(`audit insert: ${result.message}`));
  }

  return {
    /** Resolves once these events are stored (or were already). */
    add(orgId: string, gatewayId: string, events: AuditEvent[]): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const key = `${orgId}\u0000${gatewayId}`;
        let group = pending.get(key);
        if (group === undefined) {
          group = { orgId, gatewayId, jobs: [] };
          pending.set(key, group);
        }
        group.jobs.push({ events, resolve, reject });
        pendingEvents += events.length;
        schedule();
      });
    },
  };
}
