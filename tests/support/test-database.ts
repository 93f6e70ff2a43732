import { createHash, randomBytes } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createDatabase, migratePostgres, readMigrations } from "@tameflare/db";
import pg from "pg";

/** Server-level URL used to create and drop the per-file databases. */
export const postgresAdminUrl =
  process.env.TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** URL of the fresh database. */
  url: string;
  name: string;
  /** Drops the database (closing any connection still open to it). Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database `tf_test_<random>` on the test Postgres, with the committed
 * migrations applied unless `migrate: false`. Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `tf_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  if (options.migrate !== false) {
    try {
      await migratePostgres(url.toString());
    } catch (cause) {
      await drop();
      throw cause;
    }
  }
  return { url: url.toString(), name, drop };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestPgliteDir {
  /** A PGlite data folder with the migrations applied, for `createDatabase({ dataDir })`. */
  dataDir: string;
  /** Removes the folder. Close the database first. */
  cleanup(): void;
}

/**
 * A private PGlite data folder in a temp dir, already migrated. A fresh PGlite takes
 * seconds to initialise, so the first call builds a template per migration set and
 * every call copies it (~0.1 s).
 */
export async function createTestPgliteDir(): Promise<TestPgliteDir> {
  const template = await pgliteTemplate();
  const root = mkdtempSync(join(tmpdir(), "tf-test-pglite-"));
  const dataDir = join(root, "pglite");
  cpSync(template, dataDir, { recursive: true });
  return { dataDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function pgliteTemplate(): Promise<string> {
  const migrations = readMigrations();
  const key = createHash("sha256")
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join("\n"))
    .digest("hex")
    .slice(0, 16);
  const template = join(tmpdir(), `tf-pglite-template-${key}`);
  const ready = () => existsSync(join(template, "PG_VERSION"));
  // Test files start in parallel: one builds the template (seconds of CPU), the others
  // wait for it instead of each building their own on the same two cores.
  const lock = `${template}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (ready()) return template;
    if (tryLock(lock)) break;
    if (Date.now() > deadline) throw new Error(`pglite template: gave up waiting for ${lock}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    if (ready()) return template;
    const building = join(mkdtempSync(join(tmpdir(), "tf-pglite-building-")), "pglite");
    const db = await createDatabase({ dataDir: building });
    await db.close();
    renameSync(building, template);
    rmSync(dirname(building), { recursive: true, force: true });
    return template;
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Takes an exclusive lock file; a lock left by a crashed run (older than 3 minutes) is broken. */
function tryLock(path: string): boolean {
  try {
    closeSync(openSync(path, "wx"));
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw cause;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat !== undefined && Date.now() - stat.mtimeMs > 180_000) rmSync(path, { force: true });
    return false;
  }
}
