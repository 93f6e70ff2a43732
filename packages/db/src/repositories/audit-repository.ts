import { createHash } from "node:crypto";
import {
  type AuditChainReport,
  type AuditEvent,
  type AuditEventRecord,
  type AuditPage,
  type AuditQuery,
  auditEventRecordSchema,
  auditGenesisHash,
  auditHashInput,
  type Result,
  type ReviewedAuditEvent,
  type ReviewedAuditPage,
} from "@tameflare/contracts";
import {
  copyableText,
  copyNumber,
  copyText,
  copyTextOrNull,
  type DbClient,
  prismaRawSql,
  type RawSql,
} from "../database.ts";
import { type AuditEvent as AuditEventRow, Prisma } from "../generated/client.ts";
import { globToLike, isForeignKeyViolation, iso, isUniqueViolation, parseColumn } from "./shared.ts";

export type AuditInsertError = "gateway_mismatch" | "unknown_gateway" | "seq_conflict";

/** One hash chain of a gateway (a gateway process run): its id and the seq numbers stored. */
export interface AuditChainSummary {
  chainId: string;
  events: number;
  firstSeq: number;
  lastSeq: number;
}

/** How many events of one chain are stored with `fromSeq <= seq <= toSeq`. */
export interface AuditStoredRange {
  chainId: string;
  fromSeq: number;
  toSeq: number;
  stored: number;
}

/** The filters of an audit query that select a set (no paging, no `unreviewed`): what a count covers. */
export type AuditCountFilters = Omit<AuditQuery, "orgId" | "cursor" | "limit" | "unreviewed">;

/** How many events of one group (an action type, an agent, a gateway) and how many of them were denied or held. */
export interface AuditStatsGroup {
  key: string;
  total: number;
  denied: number;
  held: number;
  allowed: number;
}

/** Aggregates of a window of audit events (`AuditRepository.stats`). */
export interface AuditStats {
  /** One entry per minute that has events, oldest first: the minute's start and its counts per decision. */
  perMinute: { minuteMs: number; counts: Partial<Record<AuditEvent["decision"], number>> }[];
  /** Most frequent action types (events without one are left out), most frequent first. */
  topActions: AuditStatsGroup[];
  /** Most active agents, most active first. */
  topAgents: AuditStatsGroup[];
  /** Every gateway with events in the window, by gateway id. */
  gateways: AuditStatsGroup[];
}

/**
 * True when `chainId` (an event's `gateway_id`) names `gatewayId`'s chain: the gateway id
 * itself or `<gateway id>:<run id>` (each gateway process run keeps its own chain).
 */
export function isChainOf(gatewayId: string, chainId: string): boolean {
  return (
    chainId === gatewayId || (chainId.length > gatewayId.length + 1 && chainId.startsWith(`${gatewayId}:`))
  );
}

export interface AuditRepository {
  /**
   * Stores a batch (up to thousands of events) in one statement: a COPY, or where that fails
   * on a unique key or cannot run, a multi-row INSERT; an event whose id is already stored
   * is skipped, so re-delivery is harmless. Returns how many were new, and
   * those per decision. Every event's `gateway_id` must be `gatewayId` or
   * `<gatewayId>:<run id>` (its chain id), and the gateway must belong to `orgId`.
   */
  insertBatch(
    scope: { orgId: string; gatewayId: string },
    events: AuditEvent[],
  ): Promise<
    Result<
      { inserted: number; byDecision: Partial<Record<AuditEvent["decision"], number>> },
      AuditInsertError
    >
  >;
  /** Filtered events, newest first, with keyset pagination (`nextCursor`). */
  query(query: AuditQuery): Promise<Result<AuditPage, "bad_cursor">>;
  /**
   * `query` with each event's review state, computed in the same statement for the page's
   * rows only: `reviewed` by exactly the rule of the `unreviewed` filter, and the newest
   * covering mark's reviewer and time.
   */
  queryWithReview(query: AuditQuery): Promise<Result<ReviewedAuditPage, "bad_cursor">>;
  findByEventId(orgId: string, eventId: string): Promise<AuditEventRecord | null>;
  /** Highest stored `seq` of a chain (a gateway id, or `<gateway id>:<run id>`), or null when it has no events. */
  lastSeq(orgId: string, chainId: string): Promise<number | null>;
  /**
   * Recomputes SHA-256 over `auditHashInput` for every event of the chain (a gateway id, or
   * `<gateway id>:<run id>`) in `seq` order and checks each `prev_hash` link; reports the
   * first break.
   */
  verifyChain(orgId: string, chainId: string, options?: { pageSize?: number }): Promise<AuditChainReport>;
  /** The chains a gateway's events form (one per gateway process run), by chain id. */
  listChains(orgId: string, gatewayId: string): Promise<AuditChainSummary[]>;
  /**
   * For each `[fromSeq, toSeq]` range of a chain, how many of its events are stored: a
   * gateway confirms a shipped batch is durable when the count equals the range's size.
   * Ranges of chains that are not `gatewayId`'s count 0.
   */
  countStored(
    scope: { orgId: string; gatewayId: string },
    ranges: { chainId: string; fromSeq: number; toSeq: number }[],
  ): Promise<AuditStoredRange[]>;
  /**
   * Events of the organization (or one gateway) that no review mark covers (neither a mark
   * on the event nor a seq range of its chain containing its seq), among those the filters
   * select.
   */
  countUnreviewed(orgId: string, filters?: AuditCountFilters): Promise<number>;
  /**
   * Aggregates of `from <= ts < to` computed in the database (never by reading events out):
   * counts per minute and decision, the `top` action types and agents with their denied and
   * held counts, and counts per gateway. `from` and `to` should be whole minutes.
   */
  stats(
    orgId: string,
    options: { gatewayId?: string | undefined; from: Date; to: Date; top: number },
  ): Promise<AuditStats>;
  /**
   * Seconds from event time to storage over the newest `sample` stored events of every
   * organization (for the API's `/metrics`); null when nothing is stored.
   */
  ingestLag(options?: {
    sample?: number;
  }): Promise<{ p50: number; p95: number; max: number; sampled: number } | null>;
}

// The columns a batch fills, in the order of `insertBatchSql` and of each COPY row (`copyRows`).
const insertColumns = [
  "event_id",
  "org_id",
  "gateway_id",
  "chain_id",
  "seq",
  "ts",
  "ts_text",
  "agent",
  "connector",
  "action_type",
  "decision",
  "enforced",
  "mode",
  "reason",
  "rule",
  "risk",
  "risk_score",
  "status",
  "latency_ms",
  "method",
  "host",
  "path",
  "request_id",
  "approval_id",
  "error_code",
  "bytes_in",
  "bytes_out",
  "prev_hash",
  "hash",
] as const;

// The batch insert, on the driver (`RawSql`) rather than through Prisma: its one parameter is
// the whole batch as JSON (megabytes), which Prisma would JSON-encode again and parse back.
// Parameters: $1 org id, $2 gateway id, $3 the events (a JSON array of contract events). The
// foreign key to gateways refuses a batch for a gateway not in the organization (unknown_gateway).
const insertBatchSql = `
  WITH inserted AS (
    INSERT INTO audit_events (${insertColumns.join(", ")})
    SELECT
      e.id, $1, $2, e.gateway_id, e.seq, e.ts::timestamptz, e.ts, e.agent, e.connector,
      e.action_type, e.decision, e.enforced, e.mode, e.reason, e.rule, e.risk, e.risk_score, e.status,
      e.latency_ms, e.method, e.host, e.path, e.request_id, e.approval_id, e.error_code, e.bytes_in,
      e.bytes_out, e.prev_hash, e.hash
    FROM json_to_recordset($3::json) AS e(
      id text, gateway_id text, seq bigint, ts text, agent text, connector text, action_type text,
      decision text, enforced text, mode text, reason text, rule text, risk text,
      risk_score double precision, status integer, latency_ms double precision, method text,
      host text, path text, request_id text, approval_id text, error_code text, bytes_in bigint,
      bytes_out bigint, prev_hash text, hash text
    )
    ORDER BY e.gateway_id, e.seq
    ON CONFLICT (event_id) DO NOTHING
    RETURNING decision
  )
  SELECT decision, count(*)::int AS n FROM inserted GROUP BY decision`;

/**
 * The batch as COPY rows, or null when a value cannot travel through COPY unchanged (a NUL or
 * a lone surrogate: the INSERT path refuses those with the database's own error). `id`,
 * `ts`, the hashes and the enums are validated to need no escaping.
 */
function copyRows(orgId: string, gatewayId: string, events: readonly AuditEvent[]): string | null {
  const org = copyText(orgId);
  const gateway = copyText(gatewayId);
  const t = copyText;
  const tn = copyTextOrNull;
  const n = copyNumber;
  // One string per row, joined once: appending to one string would build a rope of ~60
  // pieces per row that the driver then has to flatten. Enums need no escaping.
  const rows = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AuditEvent;
    rows[i] =
      `${e.id}\t${org}\t${gateway}\t${t(e.gateway_id)}\t${e.seq}\t${e.ts}\t${e.ts}\t${t(e.agent)}\t${tn(e.connector)}\t` +
      `${tn(e.action_type)}\t${e.decision}\t${e.enforced ?? "\\N"}\t${e.mode ?? "\\N"}\t${tn(e.reason)}\t${tn(e.rule)}\t` +
      `${e.risk ?? "\\N"}\t${n(e.risk_score)}\t${n(e.status)}\t${n(e.latency_ms)}\t${t(e.method)}\t${t(e.host)}\t` +
      `${t(e.path)}\t${t(e.request_id)}\t${tn(e.approval_id)}\t${tn(e.error_code)}\t${n(e.bytes_in)}\t` +
      `${n(e.bytes_out)}\t${e.prev_hash}\t${e.hash}\n`;
  }
  const text = rows.join("");
  return copyableText(text) ? text : null;
}

/** `events` without the second and later copies of an id (the same array when none repeats). */
function withoutRepeatedIds(events: AuditEvent[]): AuditEvent[] {
  const seen = new Set<string>();
  for (const e of events) seen.add(e.id);
  if (seen.size === events.length) return events;
  seen.clear();
  return events.filter((e) => !seen.has(e.id) && seen.add(e.id) !== undefined);
}

function byChainOrder(a: AuditEvent, b: AuditEvent): number {
  if (a.gateway_id !== b.gateway_id) return a.gateway_id < b.gateway_id ? -1 : 1;
  return a.seq - b.seq;
}

function inChainOrder(events: readonly AuditEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    if (byChainOrder(events[i - 1] as AuditEvent, events[i] as AuditEvent) > 0) return false;
  }
  return true;
}

/** The batch insert's failure as the repository's result, or rethrown when it is not the batch's fault. */
function insertFailure(error: unknown, orgId: string, gatewayId: string): Result<never, AuditInsertError> {
  if (isForeignKeyViolation(error)) {
    return {
      ok: false,
      code: "unknown_gateway",
      message: `gateway \`${gatewayId}\` does not exist in organization \`${orgId}\``,
    };
  }
  if (isUniqueViolation(error)) {
    // Same (chain, seq) under a different event id: the gateway's chain was reset
    // or forked. Refuse the batch rather than drop either event silently.
    return {
      ok: false,
      code: "seq_conflict",
      message: `gateway \`${gatewayId}\`: a different event is already stored under one of these seq numbers`,
    };
  }
  throw error;
}

const defaultPageSize = 50;

/**
 * `sql` runs the batch insert (default: through `db`); pass the database's own `RawSql`
 * outside transactions, which skips Prisma's re-encoding of the batch.
 */
export function createAuditRepository(db: DbClient, sql: RawSql = prismaRawSql(db)): AuditRepository {
  return {
    async insertBatch({ orgId, gatewayId }, events) {
      if (events.length === 0) return { ok: true, value: { inserted: 0, byDecision: {} } };
      const foreign = events.find((e) => !isChainOf(gatewayId, e.gateway_id));
      if (foreign !== undefined) {
        return {
          ok: false,
          code: "gateway_mismatch",
          message: `event \`${foreign.id}\` belongs to gateway \`${foreign.gateway_id}\`, not \`${gatewayId}\``,
        };
      }
      // Stored in chain order, so the surrogate `id` (pagination's tie-breaker) follows `seq`
      // (sorting a copy: the caller's array is left as it was).
      const distinct = withoutRepeatedIds(events);
      const unique = inChainOrder(distinct) ? distinct : [...distinct].sort(byChainOrder);
      // COPY first: a fraction of the server's work of the INSERT below. It has no
      // `ON CONFLICT`, so when some events are already stored (a re-delivery) or a (chain, seq)
      // is taken, it fails as a whole and the INSERT sorts the batch out.
      const text = sql.copyFrom === undefined ? null : copyRows(orgId, gatewayId, unique);
      if (sql.copyFrom !== undefined && text !== null) {
        try {
          const inserted = await sql.copyFrom("audit_events", insertColumns, text);
          const byDecision: Partial<Record<AuditEvent["decision"], number>> = {};
          for (const e of unique) byDecision[e.decision] = (byDecision[e.decision] ?? 0) + 1;
          return { ok: true, value: { inserted, byDecision } };
        } catch (error) {
          if (!isUniqueViolation(error)) return insertFailure(error, orgId, gatewayId);
        }
      }
      // One statement whatever the batch size: the events travel as one JSON parameter
      // (a VALUES list would hit Postgres' 65,535-parameter limit at ~2,500 events).
      try {
        const rows = await sql.query<{ decision: string; n: number }>(insertBatchSql, [
          orgId,
          gatewayId,
          JSON.stringify(unique),
        ]);
        const byDecision: Partial<Record<AuditEvent["decision"], number>> = {};
        let inserted = 0;
        for (const row of rows) {
          byDecision[row.decision as AuditEvent["decision"]] = row.n;
          inserted += row.n;
        }
        return { ok: true, value: { inserted, byDecision } };
      } catch (error) {
        return insertFailure(error, orgId, gatewayId);
      }
    },

    async query(q) {
      const page = await readPage(db, q, false);
      if (!page.ok) return page;
      return {
        ok: true,
        value: { events: page.value.rows.map(toAuditEventRecord), nextCursor: page.value.nextCursor },
      };
    },

    async queryWithReview(q) {
      const page = await readPage(db, q, true);
      if (!page.ok) return page;
      return {
        ok: true,
        value: {
          events: page.value.rows.map(
            (row): ReviewedAuditEvent => ({
              ...toAuditEventRecord(row),
              reviewed: row.reviewed === true,
              reviewed_by: row.reviewedBy ?? null,
              reviewed_at: row.reviewedAt == null ? null : iso(row.reviewedAt),
            }),
          ),
          nextCursor: page.value.nextCursor,
        },
      };
    },

    async findByEventId(orgId, eventId) {
      const row = await db.auditEvent.findFirst({ where: { orgId, eventId } });
      return row === null ? null : toAuditEventRecord(row);
    },

    async lastSeq(orgId, chainId) {
      const row = await db.auditEvent.findFirst({
        where: { orgId, chainId },
        orderBy: { seq: "desc" },
        select: { seq: true },
      });
      return row === null ? null : Number(row.seq);
    },

    async verifyChain(orgId, chainId, { pageSize = 5000 } = {}) {
      let checked = 0;
      let previous: { seq: bigint; hash: string } | null = null;
      for (;;) {
        const rows: AuditEventRow[] = await db.auditEvent.findMany({
          where: { orgId, chainId, ...(previous === null ? {} : { seq: { gt: previous.seq } }) },
          orderBy: { seq: "asc" },
          take: pageSize,
        });
        for (const row of rows) {
          const event = toAuditEvent(row);
          const brk = (kind: "hash_mismatch" | "prev_hash_mismatch" | "seq_gap", message: string) =>
            ({ ok: false, checked, seq: event.seq, eventId: event.id, kind, message }) as const;
          if (previous === null) {
            if (event.prev_hash !== auditGenesisHash) {
              return brk(
                "prev_hash_mismatch",
                `seq ${event.seq}: the first stored event does not start the chain (earlier events are missing or it was altered)`,
              );
            }
          } else if (row.seq !== previous.seq + 1n) {
            return brk(
              "seq_gap",
              `seq ${event.seq}: events ${previous.seq + 1n}..${row.seq - 1n} are missing`,
            );
          } else if (event.prev_hash !== previous.hash) {
            return brk(
              "prev_hash_mismatch",
              `seq ${event.seq}: prev_hash does not match the hash of seq ${previous.seq}`,
            );
          }
          if (hashEvent(event) !== event.hash) {
            return brk(
              "hash_mismatch",
              `seq ${event.seq}: the stored hash does not match the event's content`,
            );
          }
          checked += 1;
          previous = { seq: row.seq, hash: event.hash };
        }
        if (rows.length < pageSize) break;
      }
      return {
        ok: true,
        checked,
        lastSeq: previous === null ? null : Number(previous.seq),
        lastHash: previous?.hash ?? null,
      };
    },

    async listChains(orgId, gatewayId) {
      const rows = await db.auditEvent.groupBy({
        by: ["chainId"],
        where: { orgId, gatewayId },
        _count: { _all: true },
        _min: { seq: true },
        _max: { seq: true },
        orderBy: { chainId: "asc" },
      });
      return rows.map((r) => ({
        chainId: r.chainId,
        events: r._count._all,
        firstSeq: Number(r._min.seq ?? 0n),
        lastSeq: Number(r._max.seq ?? 0n),
      }));
    },

    async countStored({ orgId, gatewayId }, ranges) {
      return Promise.all(
        ranges.map(async (range) => {
          if (!isChainOf(gatewayId, range.chainId) || range.toSeq < range.fromSeq)
            return { ...range, stored: 0 };
          const stored = await db.auditEvent.count({
            where: {
              orgId,
              chainId: range.chainId,
              seq: { gte: BigInt(range.fromSeq), lte: BigInt(range.toSeq) },
            },
          });
          return { ...range, stored };
        }),
      );
    },

    async countUnreviewed(orgId, filters = {}) {
      const unreviewed = unreviewedParts(orgId, filters.gatewayId);
      const conditions = [...filterConditions(orgId, filters), unreviewed.condition("audit_events")];
      const [row] = await db.$queryRaw<{ n: bigint }[]>`
        ${unreviewed.with}
        SELECT count(*) AS n FROM audit_events WHERE ${Prisma.join(conditions, " AND ")}`;
      return Number(row?.n ?? 0n);
    },

    async stats(orgId, { gatewayId, from, to, top }) {
      const scope = Prisma.join(
        [
          Prisma.sql`org_id = ${orgId}`,
          ...(gatewayId === undefined ? [] : [Prisma.sql`gateway_id = ${gatewayId}`]),
          Prisma.sql`ts >= ${from.toISOString()}::timestamptz`,
          Prisma.sql`ts < ${to.toISOString()}::timestamptz`,
        ],
        " AND ",
      );
      // Two scans of the window through the (org_id, ts) / (gateway_id, ts) indexes: the
      // per-minute series, and one hash aggregate over three grouping sets (action type,
      // agent, gateway) ranked in SQL, so only the top rows leave the database.
      const [minutes, groups] = await Promise.all([
        db.$queryRaw<{ minute_ms: bigint; decision: string; n: bigint }[]>`
          SELECT (extract(epoch FROM minute) * 1000)::bigint AS minute_ms, decision, n
          FROM (
            SELECT date_trunc('minute', ts) AS minute, decision, count(*) AS n
            FROM audit_events WHERE ${scope}
            GROUP BY 1, 2
          ) m
          ORDER BY minute_ms, decision`,
        db.$queryRaw<
          { grp: number; key: string; total: bigint; denied: bigint; held: bigint; allowed: bigint }[]
        >`
          WITH grouped AS (
            SELECT
              GROUPING(action_type, agent, gateway_id)::int AS grp,
              coalesce(action_type, agent, gateway_id) AS key,
              count(*) AS total,
              count(*) FILTER (WHERE decision = 'deny') AS denied,
              count(*) FILTER (WHERE decision = 'require_approval') AS held,
              count(*) FILTER (WHERE decision = 'allow') AS allowed
            FROM audit_events WHERE ${scope}
            GROUP BY GROUPING SETS ((action_type), (agent), (gateway_id))
          ),
          ranked AS (
            SELECT *, row_number() OVER (PARTITION BY grp ORDER BY total DESC, key COLLATE "C") AS pos
            FROM grouped WHERE key IS NOT NULL
          )
          SELECT grp, key, total, denied, held, allowed FROM ranked
          WHERE pos <= ${top} OR grp = ${groupingSet.gateway}
          ORDER BY grp, pos`,
      ]);
      const perMinute: AuditStats["perMinute"] = [];
      for (const row of minutes) {
        const minuteMs = Number(row.minute_ms);
        let entry = perMinute.at(-1);
        if (entry?.minuteMs !== minuteMs) {
          entry = { minuteMs, counts: {} };
          perMinute.push(entry);
        }
        entry.counts[row.decision as AuditEvent["decision"]] = Number(row.n);
      }
      const pick = (set: number): AuditStatsGroup[] =>
        groups
          .filter((g) => g.grp === set)
          .map((g) => ({
            key: g.key,
            total: Number(g.total),
            denied: Number(g.denied),
            held: Number(g.held),
            allowed: Number(g.allowed),
          }));
      return {
        perMinute,
        topActions: pick(groupingSet.action),
        topAgents: pick(groupingSet.agent),
        gateways: pick(groupingSet.gateway).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      };
    },

    async ingestLag({ sample = 1000 } = {}) {
      const [row] = await db.$queryRaw<
        { p50: number | null; p95: number | null; max: number | null; n: bigint }[]
      >`
        SELECT
          percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY lag) AS p95,
          max(lag) AS max,
          count(*) AS n
        FROM (
          SELECT extract(epoch FROM received_at - ts)::double precision AS lag
          FROM audit_events ORDER BY id DESC LIMIT ${sample}
        ) recent`;
      if (row === undefined || row.p50 === null || row.p95 === null || row.max === null) return null;
      return { p50: row.p50, p95: row.p95, max: row.max, sampled: Number(row.n) };
    },
  };
}

/**
 * `GROUPING(action_type, agent, gateway_id)` of each grouping set of `stats`: a bit is set for
 * each column the set leaves out (action_type 4, agent 2, gateway_id 1).
 */
const groupingSet = { action: 3, agent: 5, gateway: 6 } as const;

/** The WHERE conditions of the filters that select a set of the organization's events. */
function filterConditions(orgId: string, q: AuditCountFilters): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [Prisma.sql`org_id = ${orgId}`];
  if (q.gatewayId !== undefined) conditions.push(Prisma.sql`gateway_id = ${q.gatewayId}`);
  if (q.from !== undefined) conditions.push(Prisma.sql`ts >= ${q.from}::timestamptz`);
  if (q.to !== undefined) conditions.push(Prisma.sql`ts < ${q.to}::timestamptz`);
  if (q.agent !== undefined) conditions.push(Prisma.sql`agent = ${q.agent}`);
  if (q.connector !== undefined) conditions.push(Prisma.sql`connector = ${q.connector}`);
  if (q.action !== undefined) {
    conditions.push(
      q.action.includes("*")
        ? Prisma.sql`action_type LIKE ${globToLike(q.action)}`
        : Prisma.sql`action_type = ${q.action}`,
    );
  }
  if (q.decision !== undefined && q.decision.length > 0) {
    conditions.push(Prisma.sql`decision IN (${Prisma.join(q.decision)})`);
  }
  if (q.status !== undefined) conditions.push(Prisma.sql`status = ${q.status}`);
  return conditions;
}

type PageRow = AuditEventRow & {
  tsMicros: bigint;
  reviewed?: boolean;
  reviewedBy?: string | null;
  reviewedAt?: Date | null;
};

/**
 * One keyset page of a query (`limit` rows, and `nextCursor` when there are more). With
 * `withReview`, the page's rows (and only those: the review columns are computed over the
 * limited subquery) carry `reviewed`, by the very condition the `unreviewed` filter uses, and
 * the newest covering mark's reviewer and time.
 */
async function readPage(
  db: DbClient,
  q: AuditQuery,
  withReview: boolean,
): Promise<Result<{ rows: PageRow[]; nextCursor: string | null }, "bad_cursor">> {
  const limit = q.limit ?? defaultPageSize;
  const conditions = filterConditions(q.orgId, q);
  const review = q.unreviewed === true || withReview ? unreviewedParts(q.orgId, q.gatewayId) : null;
  if (q.unreviewed === true && review !== null) conditions.push(review.condition("audit_events"));
  if (q.cursor !== undefined) {
    const cursor = decodeCursor(q.cursor);
    if (cursor === null) {
      return {
        ok: false,
        code: "bad_cursor",
        message: `audit query: cursor \`${q.cursor}\` is not one this API issued`,
      };
    }
    conditions.push(
      Prisma.sql`(ts, id) < (timestamptz 'epoch' + ${cursor.tsMicros}::bigint * interval '1 microsecond', ${cursor.id}::bigint)`,
    );
  }
  const pageSql = Prisma.sql`
    SELECT ${selectColumns}, (extract(epoch FROM ts) * 1000000)::bigint AS "tsMicros"
      ${withReview ? Prisma.sql`, event_id, org_id, gateway_id, chain_id` : Prisma.empty}
    FROM audit_events
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ts DESC, id DESC
    LIMIT ${limit + 1}`;
  const rows =
    withReview && review !== null
      ? await db.$queryRaw<PageRow[]>`
          ${review.with}
          SELECT page.*, NOT (${review.condition("page")}) AS reviewed,
            newest.reviewer_user_id AS "reviewedBy", newest.created_at AS "reviewedAt"
          FROM (${pageSql}) page
          LEFT JOIN LATERAL (
            SELECT m.id, m.reviewer_user_id, m.created_at FROM audit_review_marks m
            WHERE m.event_id = page.event_id AND m.org_id = page.org_id AND m.gateway_id = page.gateway_id
            UNION ALL
            SELECT m.id, m.reviewer_user_id, m.created_at FROM audit_review_marks m
            WHERE m.chain_id = page.chain_id AND m.to_seq >= page.seq AND m.from_seq <= page.seq
              AND m.org_id = page.org_id AND m.gateway_id = page.gateway_id
            ORDER BY created_at DESC, id DESC
            LIMIT 1
          ) newest ON true
          ORDER BY page.ts DESC, page.id DESC`
      : await db.$queryRaw<PageRow[]>`${review?.with ?? Prisma.empty} ${pageSql}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    ok: true,
    value: {
      rows: page,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor({ tsMicros: last.tsMicros, id: last.id })
          : null,
    },
  };
}

/**
 * "No review mark covers the event": none names it, and no seq range of its chain contains
 * its seq (the rule of `ReviewMarkRepository.forEvent`). A query starts with `with` and adds
 * `condition(table)` for the events of `table` (a table or alias with `event_id`, `org_id`,
 * `gateway_id`, `chain_id` and `seq`). The ranges of each chain are merged into one
 * `int8multirange` first (a few rows), so each event costs one lookup instead of a scan of
 * every mark of its gateway; marks on single events are an anti-join on `event_id`.
 */
function unreviewedParts(
  orgId: string,
  gatewayId: string | undefined,
): { with: Prisma.Sql; condition: (table: "audit_events" | "page") => Prisma.Sql } {
  const gatewayFilter = gatewayId === undefined ? Prisma.empty : Prisma.sql`AND gateway_id = ${gatewayId}`;
  return {
    with: Prisma.sql`WITH reviewed_ranges AS MATERIALIZED (
      SELECT gateway_id, chain_id, range_agg(int8range(from_seq, to_seq, '[]')) AS seqs
      FROM audit_review_marks
      WHERE org_id = ${orgId} ${gatewayFilter}
        AND chain_id IS NOT NULL AND from_seq IS NOT NULL AND to_seq IS NOT NULL
      GROUP BY gateway_id, chain_id
    )`,
    condition: (table) => {
      const e = Prisma.raw(table);
      return Prisma.sql`NOT EXISTS (
        SELECT 1 FROM audit_review_marks m
        WHERE m.event_id = ${e}.event_id
          AND m.org_id = ${e}.org_id AND m.gateway_id = ${e}.gateway_id
      )
      AND NOT coalesce(
        (SELECT r.seqs @> ${e}.seq FROM reviewed_ranges r
          WHERE r.chain_id = ${e}.chain_id AND r.gateway_id = ${e}.gateway_id),
        false
      )`;
    },
  };
}

/** SHA-256 (hex) of the event's canonical hash input. */
export function hashEvent(event: AuditEvent): string {
  return createHash("sha256").update(auditHashInput(event)).digest("hex");
}

const selectColumns = Prisma.raw(
  [
    "id",
    `event_id AS "eventId"`,
    `org_id AS "orgId"`,
    `gateway_id AS "gatewayId"`,
    `chain_id AS "chainId"`,
    "seq",
    "ts",
    `ts_text AS "tsText"`,
    "agent",
    "connector",
    `action_type AS "actionType"`,
    "decision",
    "enforced",
    "mode",
    "reason",
    "rule",
    "risk",
    `risk_score AS "riskScore"`,
    "status",
    `latency_ms AS "latencyMs"`,
    "method",
    "host",
    "path",
    `request_id AS "requestId"`,
    `approval_id AS "approvalId"`,
    `error_code AS "errorCode"`,
    `bytes_in AS "bytesIn"`,
    `bytes_out AS "bytesOut"`,
    `prev_hash AS "prevHash"`,
    "hash",
    `received_at AS "receivedAt"`,
  ].join(", "),
);

/** The event exactly as the gateway sent (and hashed) it. */
function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.eventId,
    gateway_id: row.chainId,
    seq: Number(row.seq),
    ts: row.tsText,
    agent: row.agent,
    connector: row.connector,
    action_type: row.actionType,
    decision: row.decision as AuditEvent["decision"],
    enforced: row.enforced as AuditEvent["enforced"],
    mode: row.mode as AuditEvent["mode"],
    reason: row.reason,
    rule: row.rule,
    risk: row.risk as AuditEvent["risk"],
    risk_score: row.riskScore,
    status: row.status,
    latency_ms: row.latencyMs,
    method: row.method,
    host: row.host,
    path: row.path,
    request_id: row.requestId,
    approval_id: row.approvalId,
    error_code: row.errorCode,
    bytes_in: row.bytesIn === null ? null : Number(row.bytesIn),
    bytes_out: row.bytesOut === null ? null : Number(row.bytesOut),
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

function toAuditEventRecord(row: AuditEventRow): AuditEventRecord {
  return parseColumn(
    auditEventRecordSchema,
    { ...toAuditEvent(row), org_id: row.orgId, received_at: iso(row.receivedAt) },
    `audit event \`${row.eventId}\``,
  );
}

function encodeCursor(cursor: { tsMicros: bigint; id: bigint }): string {
  return Buffer.from(`${cursor.tsMicros}.${cursor.id}`).toString("base64url");
}

function decodeCursor(text: string): { tsMicros: string; id: string } | null {
  const match = /^(-?\d{1,20})\.(\d{1,20})$/.exec(Buffer.from(text, "base64url").toString());
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  return { tsMicros: match[1], id: match[2] };
}
