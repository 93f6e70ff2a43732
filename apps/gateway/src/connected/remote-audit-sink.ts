import { randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AuditEvent,
  auditEventSchema,
  auditIngestResultSchema,
  auditIngestStatusResultSchema,
} from "@tameflare/contracts";
import { z } from "zod";
import { AuditSpool, auditDir } from "../audit/spool.ts";
import type { AuditEntry, AuditSink } from "../ports/audit-sink.ts";
import { ApiError, backoffMs, type GatewayApiClient, pause } from "./api-client.ts";

/** Most events `audit.ingest` takes in one batch. */
export const maxIngestBatch = 5_000;
/** Bytes read from a spool file per step (a batch never needs more than this many lines' worth). */
const readChunkBytes = 8 * 1024 * 1024;
/** Ranges asked about per `audit.ingestStatus` call (the API's limit). */
const statusRangesPerCall = 200;

export interface RemoteAuditSinkOptions {
  tfHome: string;
  /** This process's run id: its spool file is `audit/<runId>.jsonl`. */
  runId: string;
  /** The `gw_…` id; events carry `<gatewayId>:<runId>`. */
  gatewayId: string;
  client: GatewayApiClient;
  logger: (line: string) => void;
  /** Events per `audit.ingest` call (at most 5,000). */
  batchSize?: number;
  /** How often the spool is looked at when nothing was appended (other runs' leftovers). Default 2 s. */
  idleMs?: number;
  /** How often acknowledged ranges are checked for being stored. Default 1 s. */
  confirmIntervalMs?: number;
  /** An acknowledged range not stored this long after its send is shipped again. Default 15 s. */
  resendAfterMs?: number;
  /** How long `close()` keeps trying to ship what is left. Default 3 s. */
  closeFlushMs?: number;
}

/** A shipped batch the API acknowledged (its queue took it) but has not reported stored yet. */
const pendingRangeSchema = z.object({
  chain_id: z.string(),
  from_seq: z.number().int().nonnegative(),
  to_seq: z.number().int().nonnegative(),
  /** Byte span of its lines in the spool file, to ship it again. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  sent_at: z.number(),
});
type PendingRange = z.infer<typeof pendingRangeSchema>;

/**
 * `audit/<run>.shipped`: bytes of the spool file acknowledged by `audit.ingest` (`offset`),
 * and the acknowledged ranges not yet confirmed stored (`pending`). Written atomically.
 */
const shipStateSchema = z.object({
  offset: z.number().int().nonnegative(),
  pending: z.array(pendingRangeSchema).default([]),
});
type ShipState = z.infer<typeof shipStateSchema>;

function statePath(dir: string, file: string): string {
  return join(dir, `${file.slice(0, -".jsonl".length)}.shipped`);
}

/** The pid in a run id (`<time>-<pid>-<random>`), for telling a live run's file from a leftover. */
function runPid(file: string): number | undefined {
  const match = /^[^-]+-(\d+)-[0-9a-f]+\.jsonl$/.exec(file);
  return match ? Number(match[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The connected mode's AuditSink. Every event goes first to the local spool (append-only,
 * awaited before the agent gets its answer, so a crash loses nothing answered); a shipper
 * sends the spool's events to `audit.ingest` in batches of at most 5,000, retrying with
 * backoff while the API is down, and records per spool file how far the API acknowledged
 * (`audit/<run>.shipped`, written after each acknowledgement). An acknowledgement means the
 * API's queue took the batch, not that it is stored: each acknowledged range stays pending
 * until `audit.ingestStatus` reports it complete, and is shipped again when it is still
 * incomplete `resendAfterMs` after its send (a Redis restart without persistence loses queued
 * jobs). A restart resumes each file where it stopped, pending ranges included; spools of runs
 * that ended (crashed or not) are finished by the next run. Re-sending is always safe: ingest
 * is idempotent by event id.
 */
export class RemoteAuditSink implements AuditSink {
  readonly #o: RemoteAuditSinkOptions;
  readonly #spool: AuditSpool;
  readonly #dir: string;
  readonly #ownFile: string;
  readonly #stop = new AbortController();
  readonly #foreign = new Set<string>();
  readonly #done = new Set<string>();
  readonly #lastConfirm = new Map<string, number>();
  #wake: (() => void) | undefined;
  #kicked = false;
  #loop: Promise<void> | undefined;
  #lastProblem: string | undefined;
  #shipped = 0;
  #resent = 0;
  /** Spool state files are read, changed and written by one step at a time. */
  #exclusive: Promise<unknown> = Promise.resolve();

  private constructor(options: RemoteAuditSinkOptions, spool: AuditSpool) {
    this.#o = options;
    this.#spool = spool;
    this.#dir = auditDir(options.tfHome);
    this.#ownFile = `${options.runId}.jsonl`;
  }

  static async open(options: RemoteAuditSinkOptions): Promise<RemoteAuditSink> {
    const spool = await AuditSpool.open({
      tfHome: options.tfHome,
      runId: options.runId,
      gatewayId: `${options.gatewayId}:${options.runId}`,
    });
    const sink = new RemoteAuditSink(options, spool);
    sink.#loop = sink.#run();
    return sink;
  }

  /** Events this process shipped and the API acknowledged. */
  get shippedCount(): number {
    return this.#shipped;
  }

  /** Ranges this process shipped again because the API had not stored them. */
  get resentCount(): number {
    return this.#resent;
  }

  async append(entry: AuditEntry): Promise<AuditEvent> {
    const event = await this.#spool.append(entry);
    this.#kick();
    return event;
  }

  /** Ships what this run's spool holds now; resolves when all of it is acknowledged. */
  async flush(signal?: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal?.aborted) {
      try {
        if ((await this.#serial(() => this.#shipNext(this.#ownFile, signal))) !== "shipped") return;
        attempt = 0;
      } catch (error) {
        this.#report(error);
        await pause(backoffMs(attempt++, 250, 2_000), signal);
      }
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    await this.#spool.close();
    // What the spool holds now ships here, briefly; anything left (and any range not yet
    // confirmed stored) is finished by the next run.
    await this.flush(AbortSignal.timeout(this.#o.closeFlushMs ?? 3_000));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(fn, fn);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  #kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let lastScan = 0;
    const idleMs = this.#o.idleMs ?? 2_000;
    const confirmMs = this.#o.confirmIntervalMs ?? 1_000;
    while (!this.#stop.signal.aborted) {
      this.#kicked = false;
      try {
        const scan = Date.now() - lastScan >= idleMs;
        const files = scan ? await this.#eligibleFiles() : [this.#ownFile];
        if (scan) lastScan = Date.now();
        let busy = false;
        let pending = false;
        for (const file of files) {
          if (this.#stop.signal.aborted) break;
          if ((await this.#serial(() => this.#shipNext(file, this.#stop.signal))) === "shipped") busy = true;
          if (await this.#serial(() => this.#confirm(file, this.#stop.signal))) pending = true;
        }
        attempt = 0;
        if (this.#lastProblem !== undefined) {
          this.#lastProblem = undefined;
          this.#o.logger(`audit: shipping to ${this.#o.client.apiUrl} works again`);
        }
        if (busy || this.#kicked) continue;
        await this.#idle(pending ? Math.min(idleMs, confirmMs) : idleMs);
      } catch (error) {
        this.#report(error);
        await pause(backoffMs(attempt++, 500, 30_000), this.#stop.signal);
      }
    }
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const onAbort = () => done();
      this.#stop.signal.addEventListener("abort", onAbort, { once: true });
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        self.#stop.signal.removeEventListener("abort", onAbort);
        resolve();
      }
      this.#wake = done;
    });
  }

  #report(error: unknown): void {
    const message = error instanceof ApiError ? error.message : (error as Error).message;
    const line = `audit: shipping failed, events stay in the spool and are retried: ${message}`;
    if (line === this.#lastProblem) return;
    this.#lastProblem = line;
    this.#o.logger(line);
  }

  /** This run's file, plus spool files of this gateway whose run has ended. */
  async #eligibleFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [this.#ownFile];
      throw error;
    }
    const files = [this.#ownFile];
    for (const name of names.sort()) {
      if (
        !name.endsWith(".jsonl") ||
        name === this.#ownFile ||
        this.#foreign.has(name) ||
        this.#done.has(name)
      )
        continue;
      const pid = runPid(name);
      if (pid !== undefined && pid !== process.pid && alive(pid)) continue; // its own run ships it
      files.push(name);
    }
    return files;
  }

  async #readState(file: string): Promise<ShipState> {
    let text: string;
    try {
      text = await readFile(statePath(this.#dir, file), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { offset: 0, pending: [] };
      throw error;
    }
    const parsed = shipStateSchema.safeParse(parseJson(text));
    if (parsed.success) return parsed.data;
    // An unreadable state re-ships the file from the start: duplicates are ignored, losses are not.
    this.#o.logger(
      `audit: \`${statePath(this.#dir, file)}\` is unreadable: shipping \`${file}\` again from the start`,
    );
    return { offset: 0, pending: [] };
  }

  async #writeState(file: string, state: ShipState): Promise<void> {
    const tmp = join(this.#dir, `.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    await rename(tmp, statePath(this.#dir, file));
  }

  async #ingest(events: AuditEvent[], signal: AbortSignal | undefined): Promise<number> {
    const answer = await this.#o.client.mutation(
      "audit.ingest",
      { gateway_id: this.#o.gatewayId, events },
      auditIngestResultSchema,
      { timeoutMs: 60_000, ...(signal === undefined ? {} : { signal }) },
    );
    return answer.accepted;
  }

  /**
   * Ships the next batch of one file. `idle`: nothing new to ship; `shipped`: a batch was
   * acknowledged (there may be more); `skipped`: not this gateway's file.
   */
  async #shipNext(file: string, signal?: AbortSignal): Promise<"idle" | "shipped" | "skipped"> {
    const path = join(this.#dir, file);
    const state = await this.#readState(file);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "idle";
      throw error;
    }
    if (size <= state.offset) {
      const pid = runPid(file);
      if (file !== this.#ownFile && state.pending.length === 0 && pid !== undefined && !alive(pid)) {
        this.#done.add(file);
      }
      return "idle";
    }
    const limit = Math.min(this.#o.batchSize ?? maxIngestBatch, maxIngestBatch);
    const batch = await this.#readLines(path, state.offset, readChunkBytes, limit);
    if (batch.events.length === 0 && batch.consumed === 0) return "idle";
    const first = batch.events[0];
    const last = batch.events.at(-1);
    if (first !== undefined && !first.gateway_id.startsWith(`${this.#o.gatewayId}:`)) {
      // A spool of local mode or of another gateway on this machine: not ours to ship.
      this.#foreign.add(file);
      return "skipped";
    }
    if (first !== undefined && last !== undefined) {
      this.#shipped += await this.#ingest(batch.events, signal);
      state.pending.push({
        chain_id: first.gateway_id,
        from_seq: first.seq,
        to_seq: last.seq,
        start: state.offset,
        end: state.offset + batch.consumed,
        sent_at: Date.now(),
      });
    }
    state.offset += batch.consumed;
    await this.#writeState(file, state);
    return "shipped";
  }

  /**
   * Asks the API which acknowledged ranges of a file are stored, forgets those, and ships
   * again the ones still missing `resendAfterMs` after their send. True while some remain.
   */
  async #confirm(file: string, signal: AbortSignal): Promise<boolean> {
    const state = await this.#readState(file);
    if (state.pending.length === 0) return false;
    const now = Date.now();
    if (now - (this.#lastConfirm.get(file) ?? 0) < (this.#o.confirmIntervalMs ?? 1_000)) return true;
    this.#lastConfirm.set(file, now);
    const complete = new Set<PendingRange>();
    for (let i = 0; i < state.pending.length; i += statusRangesPerCall) {
      const chunk = state.pending.slice(i, i + statusRangesPerCall);
      const answer = await this.#o.client.query(
        "audit.ingestStatus",
        { ranges: chunk.map((r) => ({ chain_id: r.chain_id, from_seq: r.from_seq, to_seq: r.to_seq })) },
        auditIngestStatusResultSchema,
        { signal },
      );
      chunk.forEach((range, j) => {
        if (answer.ranges[j]?.complete === true) complete.add(range);
      });
    }
    const resendAfterMs = this.#o.resendAfterMs ?? 15_000;
    const path = join(this.#dir, file);
    for (const range of state.pending) {
      if (complete.has(range) || Date.now() - range.sent_at < resendAfterMs) continue;
      const { events } = await this.#readLines(path, range.start, range.end - range.start, maxIngestBatch);
      if (events.length > 0) await this.#ingest(events, signal);
      range.sent_at = Date.now();
      this.#resent += 1;
      this.#o.logger(
        `audit: events ${range.from_seq}..${range.to_seq} of \`${range.chain_id}\` were acknowledged but are not stored: shipped again`,
      );
    }
    state.pending = state.pending.filter((r) => !complete.has(r));
    await this.#writeState(file, state);
    return state.pending.length > 0;
  }

  /** Complete lines from `offset` within `maxBytes`: up to `limit` events, and how many bytes they span. */
  async #readLines(
    path: string,
    offset: number,
    maxBytes: number,
    limit: number,
  ): Promise<{ events: AuditEvent[]; consumed: number }> {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(Math.min(maxBytes, readChunkBytes));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const chunk = buffer.subarray(0, bytesRead);
      const events: AuditEvent[] = [];
      let consumed = 0;
      let start = 0;
      while (events.length < limit) {
        const end = chunk.indexOf(0x0a, start);
        if (end === -1) break; // a torn last line waits for its newline
        const line = chunk.subarray(start, end).toString("utf8");
        start = end + 1;
        consumed = start;
        if (line.trim() === "") continue;
        const parsed = auditEventSchema.safeParse(parseJson(line));
        if (parsed.success) events.push(parsed.data);
        else
          this.#o.logger(
            `audit: \`${path}\`: skipping a line that is not an audit event at byte ${offset + consumed}`,
          );
      }
      return { events, consumed };
    } finally {
      await handle.close();
    }
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
