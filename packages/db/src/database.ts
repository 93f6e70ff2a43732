import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client.ts";
import {
  applyMigrations,
  defaultMigrationsDir,
  type MigrationReport,
  migratePostgres,
  readMigrations,
  type SqlExecutor,
} from "./migrations.ts";

/** The Prisma client type repositories take. Only packages/db ever sees it. */
export type DbClient = PrismaClient;

export type DatabaseKind = "postgres" | "pglite";

/**
 * One parameterised statement straight on the driver (the `pg` pool or the PGlite instance
 * Prisma runs on), for the few hot statements where Prisma's handling of parameters costs
 * more than the query itself: the audit batch insert, whose one multi-megabyte JSON
 * parameter Prisma re-encodes and re-parses. Placeholders are `$1`, `$2`, …; cast results in
 * SQL to types both drivers return alike (`::int`, `::text`: an int8 is a string on `pg` and
 * a bigint on PGlite). A failure is the driver's error, its SQLSTATE in `code`. It never
 * joins a Prisma transaction: inside one, use `prismaRawSql(tx)` (on PGlite, `Database.sql`
 * would wait for that very transaction to end).
 */
export interface RawSql {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * `COPY table (columns) FROM STDIN` of `text`, rows in Postgres' text format (see
   * `copyText`): one statement, so every row is stored or none. Resolves the number of
   * rows copied; a failure is the driver's error, as for `query`. Far cheaper for the server
   * than an INSERT of the same rows, but COPY has no `ON CONFLICT`: callers fall back to an
   * INSERT when it fails on a unique key. Absent through Prisma (`prismaRawSql`).
   */
  copyFrom?(table: string, columns: readonly string[], text: string): Promise<number>;
}

/**
 * Fields of a COPY text-format row: `\N` for null; in text, the four characters COPY reads
 * as delimiters or escapes (backslash, tab, newline, carriage return) escaped. A NUL cannot
 * be stored in a Postgres text at all: check `copyableText` on the rows. One function per
 * type, each called with one type only (the row builder is the audit insert's hot loop).
 */
export function copyText(value: string): string {
  return copyEscapes.test(value) ? value.replace(copyEscapesAll, escapeCopyChar) : value;
}

export function copyTextOrNull(value: string | null): string {
  return value === null ? "\\N" : copyText(value);
}

export function copyNumber(value: number | null): string {
  return value === null ? "\\N" : `${value}`;
}

/** False when `text` holds what COPY cannot carry unchanged: a NUL or a lone UTF-16 surrogate. */
export function copyableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

const copyEscapes = /[\\\t\n\r]/;
const copyEscapesAll = /[\\\t\n\r]/g;
const escapeCopyChar = (c: string): string =>
  c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r";

/** `RawSql` through Prisma's `$queryRawUnsafe`: joins the transaction of a transaction client. */
export function prismaRawSql(client: DbClient): RawSql {
  return {
    query: <Row>(sql: string, params: unknown[] = []) => client.$queryRawUnsafe<Row[]>(sql, ...params),
  };
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: DbClient;
  /** Statements on the driver itself, around Prisma (see `RawSql`): the same pool or PGlite instance. */
  readonly sql: RawSql;
  /** What `createDatabase` applied; null when it did not run migrations. */
  readonly migrations: MigrationReport | null;
  /** True when the database answers a trivial query within `timeoutMs` (readiness probes). Never throws. */
  ping(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Disconnects Prisma and closes the pool or the embedded database. Idempotent. */
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** A `postgres://` URL. Without it the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder (default `<cwd>/.tameflare/pglite`); `memory://` keeps it in memory. */
  dataDir?: string | undefined;
  /** Working directory for the default data folder (default `process.cwd()`). */
  cwd?: string | undefined;
  /**
   * Apply pending migrations before returning. Default: true for PGlite (the embedded
   * mode just works), false for Postgres (run `pnpm db:migrate` as a deploy step).
   */
  migrate?: boolean | undefined;
  migrationsDir?: string | undefined;
  /** Postgres pool size per process (default 10). */
  poolMax?: number | undefined;
  /** Told when the server closes an idle pooled connection (default: a process warning). */
  onIdleConnectionError?: ((error: Error) => void) | undefined;
}

// PGlite runs one transaction at a time, so concurrent repository transactions queue: give
// them longer than Prisma's 2 s default to start (a busy embedded API must not fail on that).
const transactionOptions = { maxWait: 10_000, timeout: 15_000 };

/** Relative default location of the embedded database. */
export const defaultPgliteDir = join(".tameflare", "pglite");

/**
 * Opens the database: Postgres through `@prisma/adapter-pg` when a URL is given, else an
 * embedded PGlite persisted on disk with the committed migrations applied. One process
 * owns a PGlite folder at a time.
 */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<Database> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir;
  if (options.databaseUrl !== undefined) {
    let report: MigrationReport | null = null;
    if (options.migrate === true) report = await migratePostgres(options.databaseUrl, migrationsDir);
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10 });
    // An idle pooled connection that the server ends (a restart, a failover, an administrator)
    // is an `error` event on the pool: unhandled, it would crash the process. The pool drops
    // that client and the next query connects anew; queries in flight fail on their own.
    pool.on("error", (error) => {
      const report =
        options.onIdleConnectionError ??
        ((e: Error) => process.emitWarning(`postgres: an idle connection was closed: ${e.message}`));
      report(error);
    });
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions });
    return {
      kind: "postgres",
      prisma,
      sql: {
        query: async <Row>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as Row[],
        copyFrom: async (table, columns, text) => {
          const client = await pool.connect();
          // A checked-out client also reports a lost connection (a Postgres restart) as an
          // `error` event, and the pool listens only to idle clients': unheard, the event would
          // crash the process. The COPY itself fails with the same error, below.
          let lost: Error | undefined;
          const onLost = (error: Error) => {
            lost = error;
          };
          client.on("error", onLost);
          try {
            const copy = client.query(copyFromStdin(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
            await new Promise<void>((resolve, reject) => {
              copy.on("error", reject);
              copy.on("finish", resolve);
              copy.end(text);
            });
            client.off("error", onLost);
            client.release(lost);
            return copy.rowCount;
          } catch (error) {
            client.off("error", onLost);
            // The connection's state after a failed COPY is not worth trusting: drop it.
            client.release(error instanceof Error ? error : true);
            throw error;
          }
        },
      },
      migrations: report,
      ping: (options) => pingWith(() => pool.query("SELECT 1"), options?.timeoutMs),
      close: once(async () => {
        await prisma.$disconnect();
        await pool.end();
      }),
    };
  }

  const dataDir = resolvePgliteDir(options.dataDir, options.cwd);
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir);
  let report: MigrationReport | null = null;
  try {
    if (options.migrate !== false)
      report = await applyMigrations(pgliteExecutor(lite), readMigrations(migrationsDir));
  } catch (cause) {
    await lite.close();
    throw cause;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite), transactionOptions });
  // PGlite runs `query` exclusive of any open transaction (Prisma's go through
  // `lite.transaction`), so a statement here never lands inside someone else's transaction.
  const sql: RawSql = {
    query: async <Row>(text: string, params?: unknown[]) => (await lite.query<Row>(text, params)).rows,
    // PGlite has no client stream: COPY reads the rows from the blob passed with the query.
    copyFrom: async (table, columns, text) =>
      (
        await lite.query(`COPY ${table} (${columns.join(", ")}) FROM '/dev/blob'`, [], {
          blob: new Blob([text]),
        })
      ).affectedRows ?? 0,
  };
  return {
    kind: "pglite",
    prisma,
    sql,
    migrations: report,
    ping: (options) => pingWith(() => lite.query("SELECT 1"), options?.timeoutMs),
    close: once(async () => {
      await prisma.$disconnect();
      await lite.close();
    }),
  };
}

/** Where the embedded database lives for the given options. */
export function resolvePgliteDir(dataDir: string | undefined, cwd: string = process.cwd()): string {
  if (dataDir?.startsWith("memory://")) return dataDir;
  return resolve(cwd, dataDir ?? defaultPgliteDir);
}

export function pgliteExecutor(lite: PGlite): SqlExecutor {
  return {
    exec: async (sql) => {
      await lite.exec(sql);
    },
    query: async <Row>(sql: string, params?: unknown[]) => (await lite.query<Row>(sql, params)).rows,
  };
}

/** Runs a trivial query; false on any failure or when it takes longer than `timeoutMs` (default 2 s). */
async function pingWith(query: () => Promise<unknown>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([query().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
