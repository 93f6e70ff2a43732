import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type AuditEvent,
  type AuditEventBody,
  auditEventSchema,
  auditGenesisHash,
  auditHashInput,
  type auditOutcomes,
  makeId,
} from "@tameflare/contracts";
import { watchDirectory } from "../local/fs-util.ts";
import type { AuditEntry, AuditSink } from "../ports/audit-sink.ts";

export function auditDir(tfHome: string): string {
  return join(tfHome, "audit");
}

/** SHA-256 (hex) of the canonical text of an event: the chain link. */
export function hashAuditEvent(body: AuditEventBody): string {
  return createHash("sha256").update(auditHashInput(body)).digest("hex");
}

/**
 * The local AuditSink: `audit/<run-id>.jsonl`, one event per line, its own hash chain.
 * Appends are group-committed: every event queued while a write is in flight goes out in
 * the next single write(2). `append` resolves once its line is in the kernel (so a
 * `kill -9` of the gateway loses nothing it answered); fdatasync follows in small batches
 * for power loss.
 */
export class AuditSpool implements AuditSink {
  readonly path: string;
  readonly gatewayId: string;
  readonly #file: FileHandle;
  #seq = 0;
  #prevHash = auditGenesisHash;
  #queue: string[] = [];
  #waiters: (() => void)[] = [];
  #failures: ((error: Error) => void)[] = [];
  #writing: Promise<void> | undefined;
  #dirty = false;
  #syncTimer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(path: string, gatewayId: string, file: FileHandle) {
    this.path = path;
    this.gatewayId = gatewayId;
    this.#file = file;
  }

  /** Opens a new spool file for this process (`runId` names the file and the chain). */
  static async open(options: { tfHome: string; runId: string; gatewayId: string }): Promise<AuditSpool> {
    const dir = auditDir(options.tfHome);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${options.runId}.jsonl`);
    const file = await open(path, "a", 0o600);
    return new AuditSpool(path, options.gatewayId, file);
  }

  append(entry: AuditEntry): Promise<AuditEvent> {
    if (this.#closed) return Promise.reject(new Error("audit: the spool is closed"));
    const body: AuditEventBody = {
      ...entry,
      id: makeId("event", randomBytes(16)),
      gateway_id: this.gatewayId,
      seq: this.#seq,
      prev_hash: this.#prevHash,
    };
    const event = { ...body, hash: hashAuditEvent(body) } as AuditEvent;
    this.#seq += 1;
    this.#prevHash = event.hash;
    this.#queue.push(`${JSON.stringify(event)}\n`);
    return new Promise<AuditEvent>((resolve, reject) => {
      this.#waiters.push(() => resolve(event));
      this.#failures.push(reject);
      this.#writing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const lines = this.#queue;
      const waiters = this.#waiters;
      const failures = this.#failures;
      this.#queue = [];
      this.#waiters = [];
      this.#failures = [];
      try {
        const data = Buffer.from(lines.length === 1 ? (lines[0] as string) : lines.join(""));
        let offset = 0;
        while (offset < data.length) {
          const { bytesWritten } = await this.#file.write(data, offset);
          offset += bytesWritten;
        }
        for (const w of waiters) w();
        this.#scheduleSync();
      } catch (error) {
        for (const f of failures) f(error as Error);
      }
    }
    this.#writing = undefined;
  }

  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      if (!this.#dirty || this.#closed) return;
      this.#dirty = false;
      this.#file.datasync().catch(() => {
        // A failed fdatasync leaves the lines in the page cache; the next batch retries.
        this.#dirty = true;
      });
    }, 100);
    this.#syncTimer.unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#writing) await this.#writing;
    this.#closed = true;
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    await this.#file.datasync();
    await this.#file.close();
  }
}

export type AuditDecision = (typeof auditOutcomes)[number];

export interface AuditFilter {
  decision?: AuditDecision | AuditDecision[];
  /** Action type, `*` matches any run of characters (`github.pr.*`). */
  action?: string;
  agent?: string;
  /** Events at or after this time (Date, ISO string or epoch ms). */
  since?: Date | string | number;
}

function compileFilter(filter: AuditFilter | undefined): (e: AuditEvent) => boolean {
  if (!filter) return () => true;
  const decisions =
    filter.decision === undefined
      ? undefined
      : new Set(Array.isArray(filter.decision) ? filter.decision : [filter.decision]);
  const action =
    filter.action === undefined
      ? undefined
      : new RegExp(`^${filter.action.split("*").map(escapeRegex).join(".*")}$`);
  const sinceMs = filter.since === undefined ? undefined : new Date(filter.since).getTime();
  return (e) =>
    (!decisions || decisions.has(e.decision)) &&
    (!action || (e.action_type !== null && action.test(e.action_type))) &&
    (filter.agent === undefined || e.agent === filter.agent) &&
    (sinceMs === undefined || Date.parse(e.ts) >= sinceMs);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function byTime(a: AuditEvent, b: AuditEvent): number {
  return Date.parse(a.ts) - Date.parse(b.ts) || a.gateway_id.localeCompare(b.gateway_id) || a.seq - b.seq;
}

async function spoolFiles(tfHome: string): Promise<string[]> {
  try {
    const names = await readdir(auditDir(tfHome));
    return names.filter((n) => n.endsWith(".jsonl")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Parses complete lines; a torn last line (no newline yet) is left for the next read. */
function parseLines(text: string): { events: AuditEvent[]; rest: string } {
  const events: AuditEvent[] = [];
  const end = text.lastIndexOf("\n");
  for (const line of text.slice(0, end + 1).split("\n")) {
    if (line === "") continue;
    const parsed = auditEventSchema.safeParse(safeJson(line));
    if (parsed.success) events.push(parsed.data);
  }
  return { events, rest: text.slice(end + 1) };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    // A line that is not JSON is not an event (a crash can only tear the last line).
    return undefined;
  }
}

/** Every event of every spool file under TF_HOME, merged by time. */
export async function* readAuditEvents(tfHome: string, filter?: AuditFilter): AsyncIterable<AuditEvent> {
  const keep = compileFilter(filter);
  const all: AuditEvent[] = [];
  for (const name of await spoolFiles(tfHome)) {
    const text = await readFile(join(auditDir(tfHome), name), "utf8");
    for (const e of parseLines(text).events) if (keep(e)) all.push(e);
  }
  all.sort(byTime);
  yield* all;
}

/**
 * The events so far, then each new one as gateways append it (fs.watch + 250 ms poll),
 * until `signal` aborts.
 */
export async function* followAuditEvents(
  tfHome: string,
  filter: AuditFilter | undefined,
  signal: AbortSignal,
): AsyncIterable<AuditEvent> {
  const keep = compileFilter(filter);
  const dir = auditDir(tfHome);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const offsets = new Map<string, { offset: number; rest: string }>();
  let wake: (() => void) | undefined;
  const stop = watchDirectory(dir, () => wake?.());
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      const batch: AuditEvent[] = [];
      for (const name of await spoolFiles(tfHome)) {
        const state = offsets.get(name) ?? { offset: 0, rest: "" };
        const path = join(dir, name);
        const size = (await stat(path)).size;
        if (size > state.offset) {
          const handle = await open(path, "r");
          try {
            const buf = Buffer.alloc(size - state.offset);
            const { bytesRead } = await handle.read(buf, 0, buf.length, state.offset);
            state.offset += bytesRead;
            const parsed = parseLines(state.rest + buf.subarray(0, bytesRead).toString("utf8"));
            state.rest = parsed.rest;
            for (const e of parsed.events) if (keep(e)) batch.push(e);
          } finally {
            await handle.close();
          }
        }
        offsets.set(name, state);
      }
      batch.sort(byTime);
      for (const e of batch) {
        if (signal.aborted) return;
        yield e;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    stop();
    signal.removeEventListener("abort", onAbort);
  }
}

/** Recomputes a file's chain; returns the first broken `seq`, or undefined when intact. */
export function verifyAuditChain(events: AuditEvent[]): number | undefined {
  let prev = auditGenesisHash;
  for (const e of events) {
    const { hash, ...body } = e;
    if (e.prev_hash !== prev || hashAuditEvent(body) !== hash) return e.seq;
    prev = hash;
  }
  return undefined;
}
