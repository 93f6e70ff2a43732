import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, createTestPgliteDir, type TestDatabase } from "../../../tests/support/index.ts";
import { createDatabase } from "./database.ts";
import {
  applyMigrations,
  defaultMigrationsDir,
  migratePostgres,
  migrationsTable,
  pgClientExecutor,
  readMigrations,
} from "./migrations.ts";

const schemaPath = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));

/** Tables and their columns as prisma/schema.prisma declares them (@@map / @map honoured). */
function declaredTables(): Map<string, Set<string>> {
  const text = readFileSync(schemaPath, "utf8");
  const enums = new Set([...text.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]));
  const scalars = new Set([
    "String",
    "Int",
    "BigInt",
    "Float",
    "Boolean",
    "DateTime",
    "Json",
    "Bytes",
    "Decimal",
  ]);
  const tables = new Map<string, Set<string>>();
  for (const block of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const body = block[2] ?? "";
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? block[1] ?? "";
    const columns = new Set<string>();
    for (const line of body.split("\n")) {
      const field = /^\s+(\w+)\s+(\w+)(\[\])?\??(.*)$/.exec(line);
      if (field === null || field[1] === undefined || field[2] === undefined) continue;
      if (!scalars.has(field[2]) && !enums.has(field[2])) continue;
      columns.add(/@map\("([^"]+)"\)/.exec(field[4] ?? "")?.[1] ?? field[1]);
    }
    tables.set(table, columns);
  }
  return tables;
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
}

const columnsSql = `
  SELECT table_name, column_name, data_type, is_nullable
  FROM information_schema.columns WHERE table_schema = 'public'
  ORDER BY table_name, column_name`;
const indexesSql = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`;

function byTable(rows: ColumnRow[]): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = tables.get(r.table_name) ?? new Set<string>();
    set.add(r.column_name);
    tables.set(r.table_name, set);
  }
  return tables;
}

describe("migrations on an empty Postgres", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let postgresColumns: ColumnRow[];
  let postgresIndexes: { indexname: string; indexdef: string }[];
  const dirs: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("creates every table and column the Prisma schema declares, and nothing else", async () => {
    const report = await migratePostgres(database.url);
    expect(report.applied).toEqual(readMigrations().map((m) => m.name));
    postgresColumns = (await client.query<ColumnRow>(columnsSql)).rows;
    postgresIndexes = (await client.query(indexesSql)).rows;
    const actual = byTable(postgresColumns);
    const declared = declaredTables();
    expect(declared.size).toBeGreaterThanOrEqual(21);
    for (const [table, columns] of declared) {
      expect(actual.get(table), `table ${table}`).toEqual(columns);
    }
    expect([...actual.keys()].sort()).toEqual([...declared.keys(), migrationsTable].sort());
  });

  it("creates the audit indexes that serve per-gateway newest-first queries", () => {
    const names = postgresIndexes.map((i) => i.indexname);
    for (const name of [
      "audit_events_event_id_key",
      "audit_events_chain_id_seq_key",
      "audit_events_gateway_ts_idx",
      "audit_events_gateway_decision_ts_idx",
      "audit_events_gateway_action_ts_idx",
      "audit_events_gateway_agent_ts_idx",
      "audit_events_org_ts_idx",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("applies nothing when rerun", async () => {
    const report = await migratePostgres(database.url);
    expect(report.applied).toEqual([]);
    expect(report.skipped).toEqual(readMigrations().map((m) => m.name));
  });

  it("refuses a migration that was edited after it was applied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-migrations-"));
    dirs.push(dir);
    cpSync(defaultMigrationsDir, dir, { recursive: true });
    const first = readMigrations()[0]?.name ?? "";
    writeFileSync(
      join(dir, first, "migration.sql"),
      `${readFileSync(join(dir, first, "migration.sql"), "utf8")}\n-- edit`,
    );
    await expect(applyMigrations(pgClientExecutor(client), readMigrations(dir))).rejects.toThrow(
      `migration \`${first}\` was changed after it was applied`,
    );
  });

  it("rolls a failing migration back entirely and does not record it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-migrations-"));
    dirs.push(dir);
    cpSync(defaultMigrationsDir, dir, { recursive: true });
    const broken = "29991231000000_broken";
    cpSync(join(dir, readMigrations()[0]?.name ?? ""), join(dir, broken), { recursive: true });
    writeFileSync(
      join(dir, broken, "migration.sql"),
      "CREATE TABLE tf_probe (id int);\nSELECT * FROM no_such_table;\n",
    );
    await expect(applyMigrations(pgClientExecutor(client), readMigrations(dir))).rejects.toThrow(
      `migration \`${broken}\` failed`,
    );
    const probe = await client.query("SELECT to_regclass('public.tf_probe') AS t");
    expect(probe.rows[0].t).toBeNull();
    const recorded = await client.query(`SELECT name FROM "${migrationsTable}" WHERE name = $1`, [broken]);
    expect(recorded.rowCount).toBe(0);
  });

  it("gives PGlite, migrated from empty by createDatabase, exactly the same tables, columns and indexes", async () => {
    // The template folder is an empty PGlite that createDatabase migrated (built once per
    // migration set: a fresh PGlite costs seconds of initdb).
    const dir = await createTestPgliteDir();
    const db = await createDatabase({ dataDir: dir.dataDir });
    try {
      const recorded = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
        `SELECT name FROM "${migrationsTable}" ORDER BY name`,
      );
      expect(recorded.map((r) => r.name)).toEqual(readMigrations().map((m) => m.name));
      const columns = await db.prisma.$queryRawUnsafe<ColumnRow[]>(columnsSql);
      const indexes = await db.prisma.$queryRawUnsafe<{ indexname: string; indexdef: string }[]>(indexesSql);
      expect(columns).toEqual(postgresColumns);
      expect(indexes).toEqual(postgresIndexes);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});
