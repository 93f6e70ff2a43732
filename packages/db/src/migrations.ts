import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * The committed SQL migrations (`prisma/migrations/<timestamp>_<name>/migration.sql`),
 * applied by a small runner on both Postgres and PGlite. Prisma's own `migrate` cannot run
 * here (it needs a native engine), so this is the one way the schema reaches a database.
 */

/** Folder holding the committed migrations, resolved from this file (not the cwd). */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

/** Table of applied migration names. */
export const migrationsTable = "_tameflare_migrations";

/** The few statements the runner needs; both a `pg` client and PGlite provide them. */
export interface SqlExecutor {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  /** Names applied by this run, in order. */
  applied: string[];
  /** Names that were already applied before this run. */
  skipped: string[];
  /** Names recorded in the database that this code does not know (a newer release ran). */
  unknown: string[];
}

const migrationNamePattern = /^\d{14}_[a-z0-9_]+$/;

// Any constant: it serialises concurrent runners (several API replicas starting together).
const advisoryLockKey = 7_263_184_511;

/** Reads the migrations under `dir` in name (= timestamp) order. */
export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((name) => migrationNamePattern.test(name) && statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      // Normalise line endings so a checkout with CRLF has the same checksum.
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8").replace(/\r\n/g, "\n");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies every migration not yet recorded in `_tameflare_migrations`, each in its own
 * transaction together with its record, so a failure leaves no half-applied file. Rerunning
 * applies nothing. A recorded migration whose file changed since is an error.
 */
export async function applyMigrations(
  executor: SqlExecutor,
  migrations: Migration[] = readMigrations(),
): Promise<MigrationReport> {
  await executor.query("SELECT pg_advisory_lock($1)", [advisoryLockKey]);
  try {
    await executor.exec(
      `CREATE TABLE IF NOT EXISTS "${migrationsTable}" (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const rows = await executor.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM "${migrationsTable}" ORDER BY name`,
    );
    const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
    const report: MigrationReport = { applied: [], skipped: [], unknown: [] };
    const known = new Set(migrations.map((m) => m.name));
    report.unknown = rows.map((r) => r.name).filter((name) => !known.has(name));

    for (const migration of migrations) {
      const checksum = recorded.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `migration \`${migration.name}\` was changed after it was applied: add a new migration instead of editing it`,
          );
        }
        report.skipped.push(migration.name);
        continue;
      }
      await executor.exec("BEGIN");
      try {
        await executor.exec(migration.sql);
        await executor.query(`INSERT INTO "${migrationsTable}" (name, checksum) VALUES ($1, $2)`, [
          migration.name,
          migration.checksum,
        ]);
        await executor.exec("COMMIT");
      } catch (cause) {
        await executor.exec("ROLLBACK");
        throw new Error(`migration \`${migration.name}\` failed: ${errorMessage(cause)}`, { cause });
      }
      report.applied.push(migration.name);
    }
    return report;
  } finally {
    await executor.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey]);
  }
}

/** Applies the committed migrations to a Postgres database over one short-lived connection. */
export async function migratePostgres(
  databaseUrl: string,
  migrationsDir: string = defaultMigrationsDir,
): Promise<MigrationReport> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await applyMigrations(pgClientExecutor(client), readMigrations(migrationsDir));
  } finally {
    await client.end();
  }
}

export function pgClientExecutor(client: pg.Client): SqlExecutor {
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
  };
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
