import { createHash, hash } from "node:crypto";
import { fdatasync, close as fsClose, open as fsOpen, writeSync } from "node:fs";
import { mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type AuditEvent,
  type AuditEventBody,
  auditEventSchema,
  auditGenesisHash,
  auditHashInput,
  type auditOutcomes,
} from "@tameflare/contracts";
import { watchDirectory } from "../local/fs-util.ts";
import type { AuditEntry, AuditSink } from "../ports/audit-sink.ts";
import { newId } from "./ids.ts";

export function auditDir(tfHome: string): string {
  return join(tfHome, "audit");
}

/** SHA-256 (hex) of the canonical text of an event: the chain link. */
export function hashAuditEvent(body: AuditEventBody): string {
  return createHash("sha256").update(auditHashInput(body)).digest("hex");
}

/**
 * The local AuditSink: `audit/<run-id>.jsonl`, one event per line, its own hash chain.
 * Appends are group-committed: every event appended during one turn of the event loop goes
 * out in one write(2) at the end of that turn. `append` resolves once its line is in the
 * kernel (so a `kill -9` of the gateway loses nothing it answered); fdatasync follows every
 * 100 ms while there is something to sync, for power loss.
 */
export class AuditSpool implements AuditSink {
  readonly path: string;
  readonly gatewayId: string;
  readonly #fd: number;
  #seq = 0;
  #prevHash = auditGenesisHash;
  /** Lines appended since the last write, and who waits for them. */
  #lines = "";
  #waiting: Waiter[] = [];
  #scheduled = false;
  #dirty = false;
  #syncing = false;
  #syncTimer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(path: string, gatewayId: string, fd: number) {
    this.path = path;
    this.gatewayId = gatewayId;
    this.#fd = fd;
  }

  /** Opens a new spool file for this process (`runId` names the file and the chain). */
  static async open(options: { tfHome: string; runId: string; gatewayId: string }): Promise<AuditSpool> {
    const dir = auditDir(options.tfHome);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${options.runId}.jsonl`);
    const fd = await new Promise<number>((resolve, reject) =>
      fsOpen(path, "a", 0o600, (error, fd) => (error ? reject(error) : resolve(fd))),
    );
    return new AuditSpool(path, options.gatewayId, fd);
  }

  append(entry: AuditEntry): Promise<AuditEvent> {
    if (this.#closed) return Promise.reject(new Error("audit: the spool is closed"));
    const { event, line } = sealEventLine(entry, newId("event"), this.gatewayId, this.#seq, this.#prevHash);
    this.#seq += 1;
    this.#prevHash = event.hash;
    this.#lines += `${line}\n`;
    return new Promise<AuditEvent>((resolve, reject) => {
      this.#waiting.push({ event, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /**
   * Group commit: every line appended during one turn of the event loop (all the requests
   * answered in it) goes out in one write(2) right after it, then their appends resolve.
   * The write is synchronous on purpose: appending a few KiB to the page cache costs less
   * than a thread-pool round trip, and the answers it releases go out in the same turn.
   */
  readonly #flush = (): void => {
    this.#scheduled = false;
    const lines = this.#lines;
    const waiting = this.#waiting;
    if (waiting.length === 0) return;
    this.#lines = "";
    this.#waiting = [];
    try {
      writeAll(this.#fd, Buffer.from(lines));
    } catch (error) {
      for (const w of waiting) w.reject(error as Error);
      return;
    }
    for (const w of waiting) w.resolve(w.event);
    this.#scheduleSync();
  };

  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#syncTimer || this.#closed) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      if (!this.#dirty || this.#closed || this.#syncing) return;
      this.#dirty = false;
      this.#syncing = true;
      fdatasync(this.#fd, (error) => {
        this.#syncing = false;
        // A failed fdatasync leaves the lines in the page cache; the next batch retries.
        if (error) this.#dirty = true;
      });
    }, 100);
    this.#syncTimer.unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    await new Promise<void>((resolve, reject) =>
      fdatasync(this.#fd, (error) => (error ? reject(error) : resolve())),
    );
    await new Promise<void>((resolve, reject) =>
      fsClose(this.#fd, (error) => (error ? reject(error) : resolve())),
    );
  }
}

interface Waiter {
  event: AuditEvent;
  resolve: (event: AuditEvent) => void;
  reject: (error: Error) => void;
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/**
 * The stored event for an entry — every field of the contract, in a fixed order, nothing
 * else (an unknown key in `entry` is neither stored nor hashed), absent values as null — and
 * its spool line (`JSON.stringify(event)`, byte for byte). Each value is serialised once and
 * reused by the canonical hash input and the line: per request this is the audit's whole
 * cost on the gateway's hot path.
 */
export function sealEventLine(
  entry: AuditEntry,
  id: string,
  gatewayId: string,
  seq: number,
  prevHash: string,
): { event: AuditEvent; line: string } {
  const event = eventOf(entry, id, gatewayId, seq, prevHash);
  // Field by field, in `lineKeys` order (a loop over the keys made every read megamorphic).
  const j = JSON.stringify;
  const json = [
    j(event.ts),
    j(event.agent),
    j(event.connector),
    j(event.action_type),
    j(event.decision),
    j(event.enforced),
    j(event.mode),
    j(event.reason),
    j(event.rule),
    j(event.risk),
    j(event.risk_score),
    j(event.status),
    j(event.latency_ms),
    j(event.method),
    j(event.host),
    j(event.path),
    j(event.request_id),
    j(event.approval_id),
    j(event.error_code),
    j(event.bytes_in),
    j(event.bytes_out),
    j(event.id),
    j(event.gateway_id),
    j(event.seq),
    j(event.prev_hash),
  ];
  let canonical = "";
  for (let i = 0; i < hashKeys.length; i++) {
    canonical += `${hashKeyPrefixes[i]}${json[hashKeyAt[i] as number]}]`;
  }
  // The canonical text leaves `hash` out, so it can be filled in place (no copy of the event).
  event.hash = hash("sha256", `${canonical}]`, "hex");
  let line = "";
  for (let i = 0; i < lineKeys.length; i++) line += `${linePrefixes[i]}${json[i]}`;
  return { event, line: `${line},"hash":"${event.hash}"}` };
}

/** The event for an entry, keys in the order of its spool line; `hash` still empty. */
function eventOf(
  entry: AuditEntry,
  id: string,
  gatewayId: string,
  seq: number,
  prevHash: string,
): AuditEvent {
  return {
    ts: entry.ts,
    agent: entry.agent,
    connector: entry.connector ?? null,
    action_type: entry.action_type ?? null,
    decision: entry.decision,
    enforced: entry.enforced ?? null,
    mode: entry.mode ?? null,
    reason: entry.reason ?? null,
    rule: entry.rule ?? null,
    risk: entry.risk ?? null,
    risk_score: entry.risk_score ?? null,
    status: entry.status ?? null,
    latency_ms: entry.latency_ms ?? null,
    method: entry.method,
    host: entry.host,
    path: entry.path,
    request_id: entry.request_id,
    approval_id: entry.approval_id ?? null,
    error_code: entry.error_code ?? null,
    bytes_in: entry.bytes_in ?? null,
    bytes_out: entry.bytes_out ?? null,
    id,
    gateway_id: gatewayId,
    seq,
    prev_hash: prevHash,
    hash: "",
  };
}

/** The body's keys as `auditHashInput` orders them (sorted), from the contract's schema. */
const hashKeys = Object.keys(auditEventSchema.shape)
  .filter((k) => k !== "hash")
  .sort() as (keyof AuditEventBody)[];
const hashKeyPrefixes = hashKeys.map((k, i) => `${i === 0 ? "[" : ","}[${JSON.stringify(k)},`);

/** The body's keys in the order `sealEventLine` builds the event (its line's order), `hash` last. */
const lineKeys = Object.keys(
  eventOf(
    { ts: "", agent: "", decision: "allow", method: "", host: "", path: "", request_id: "" } as AuditEntry,
    "",
    "",
    0,
    "",
  ),
).filter((k) => k !== "hash") as (keyof AuditEventBody)[];
const linePrefixes = lineKeys.map((k, i) => `${i === 0 ? "{" : ","}${JSON.stringify(k)}:`);
/** For each sorted key, its position in `lineKeys`. */
const hashKeyAt = hashKeys.map((k) => lineKeys.indexOf(k));

/**
 * `auditHashInput(body)` for a body holding exactly the contract's keys (what `sealEventLine`
 * builds), without its per-event key listing and sorting: the same text, byte for byte.
 */
export function canonicalHashInput(body: AuditEventBody): string {
  let out = "";
  for (let i = 0; i < hashKeys.length; i++) {
    out += `${hashKeyPrefixes[i]}${JSON.stringify(body[hashKeys[i] as keyof AuditEventBody] ?? null)}]`;
  }
  return `${out}]`;
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
