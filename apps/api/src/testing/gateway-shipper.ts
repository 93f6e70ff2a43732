import type { AuditEvent } from "@tameflare/contracts";

/**
 * A gateway's audit shipper, as the connected gateway runs it (and as the nothing-lost test and
 * the ingest benchmark drive it): batches of at most 5,000 events go to `audit.ingest`, each
 * retried with backoff until acknowledged (API down, Redis down, Postgres down all answer an
 * error or refuse the connection). An acknowledgement means the queue took the batch, not that
 * it is stored: the events stay "unconfirmed" until `audit.ingestStatus` reports their seq
 * range complete, and a range still incomplete `resendAfterMs` after its last send is shipped
 * again (a Redis restart without persistence loses queued jobs). Storage ignores duplicates,
 * so re-sending is always safe.
 */
export interface ShipperOptions {
  /** The API's base URL (a function: the API may move between restarts). */
  apiUrl: () => string;
  gatewayToken: string;
  gatewayId: string;
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  resendAfterMs?: number;
  /** Called after each acknowledged batch with the number of events acknowledged so far. */
  onAck?: (ackedEvents: number) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface ShipReport {
  batches: number;
  /** Failed attempts (network errors and non-200 answers) that were retried. */
  retries: number;
  /** Ranges shipped again because they were acknowledged but not stored in time. */
  resent: number;
  firstSentAt: number;
  lastAckAt: number;
  confirmedAt: number;
}

interface Range {
  chainId: string;
  fromSeq: number;
  toSeq: number;
  events: AuditEvent[];
  sentAt: number;
  confirmed: boolean;
}

export async function shipAuditEvents(events: AuditEvent[], options: ShipperOptions): Promise<ShipReport> {
  const batchSize = options.batchSize ?? 5000;
  const concurrency = options.concurrency ?? 2;
  const resendAfterMs = options.resendAfterMs ?? 15_000;
  const log = options.log ?? (() => undefined);
  const ranges: Range[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const slice = events.slice(i, i + batchSize);
    const first = slice[0];
    const last = slice.at(-1);
    if (first === undefined || last === undefined) continue;
    // A range is one chain's contiguous seqs (a spool file is one chain).
    ranges.push({
      chainId: first.gateway_id,
      fromSeq: first.seq,
      toSeq: last.seq,
      events: slice,
      sentAt: 0,
      confirmed: false,
    });
  }
  const report: ShipReport = {
    batches: ranges.length,
    retries: 0,
    resent: 0,
    firstSentAt: Date.now(),
    lastAckAt: 0,
    confirmedAt: 0,
  };
  let acked = 0;

  async function send(range: Range): Promise<void> {
    const body = JSON.stringify({ gateway_id: options.gatewayId, events: range.events });
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${options.apiUrl()}/trpc/audit.ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.gatewayToken}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status === 200) {
          range.sentAt = Date.now();
          return;
        }
        // A 4xx other than 401 (auth lookup failing while the database restarts) will not heal.
        if (
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 401 &&
          response.status !== 429
        ) {
          throw new Error(`audit.ingest refused the batch (${response.status}): ${text.slice(0, 300)}`);
        }
        log(`batch ${range.fromSeq}..${range.toSeq}: HTTP ${response.status}, retrying`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("audit.ingest refused")) throw error;
        log(
          `batch ${range.fromSeq}..${range.toSeq}: ${error instanceof Error ? error.message : String(error)}, retrying`,
        );
      }
      report.retries += 1;
      await pause(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }

  // Ship every batch, `concurrency` at a time, each until acknowledged.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, ranges.length) }, async () => {
      while (next < ranges.length) {
        const range = ranges[next++] as Range;
        await send(range);
        acked += range.events.length;
        report.lastAckAt = Date.now();
        await options.onAck?.(acked);
      }
    }),
  );

  // Keep the events until the API reports them stored; re-ship what a lost queue dropped.
  for (;;) {
    const open = ranges.filter((r) => !r.confirmed);
    if (open.length === 0) break;
    try {
      for (let i = 0; i < open.length; i += 200) {
        const chunk = open.slice(i, i + 200);
        const input = {
          ranges: chunk.map((r) => ({ chain_id: r.chainId, from_seq: r.fromSeq, to_seq: r.toSeq })),
        };
        const response = await fetch(
          `${options.apiUrl()}/trpc/audit.ingestStatus?input=${encodeURIComponent(JSON.stringify(input))}`,
          {
            headers: { authorization: `Bearer ${options.gatewayToken}` },
            signal: AbortSignal.timeout(30_000),
          },
        );
        if (response.status !== 200) throw new Error(`ingestStatus: HTTP ${response.status}`);
        const data = ((await response.json()) as { result: { data: { ranges: { complete: boolean }[] } } })
          .result.data;
        chunk.forEach((r, j) => {
          if (data.ranges[j]?.complete === true) r.confirmed = true;
        });
      }
    } catch (error) {
      log(`ingest status unavailable: ${error instanceof Error ? error.message : String(error)}`);
      await pause(500);
      continue;
    }
    const stale = ranges.filter((r) => !r.confirmed && Date.now() - r.sentAt > resendAfterMs);
    for (const range of stale) {
      log(
        `range ${range.fromSeq}..${range.toSeq} acknowledged but not stored after ${resendAfterMs} ms: re-shipping`,
      );
      report.resent += 1;
      await send(range);
    }
    if (ranges.some((r) => !r.confirmed)) await pause(250);
  }
  report.confirmedAt = Date.now();
  return report;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
