import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, createTestPgliteDir, type TestDatabase } from "../../../tests/support/index.ts";
import { createDatabase, pgliteExecutor } from "./database.ts";
import {
  applyMigrations,
  defaultMigrationsDir,
  migratePostgres,
  migrationsTable,
  pgClientExecutor,
  readMigrations,
  type SqlExecutor,
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
const indexesSql = `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`;
// NOT NULL constraints are left out: PGlite's newer Postgres lists them here (`contype` n), the
// server's may not; the columns query compares nullability already.
const constraintsSql = `
  SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
  FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace AND c.contype <> 'n'
  ORDER BY table_name, c.conname`;
const triggersSql = `
  SELECT t.tgname, pg_get_triggerdef(t.oid) AS definition
  FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
  WHERE r.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  ORDER BY t.tgname`;

interface ConstraintRow {
  table_name: string;
  conname: string;
  definition: string;
}

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
  let postgresIndexes: { tablename: string; indexname: string; indexdef: string }[];
  let postgresConstraints: ConstraintRow[];
  let postgresTriggers: { tgname: string; definition: string }[];
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
    postgresConstraints = (await client.query<ConstraintRow>(constraintsSql)).rows;
    postgresTriggers = (await client.query(triggersSql)).rows;
    const actual = byTable(postgresColumns);
    const declared = declaredTables();
    expect(declared.size).toBeGreaterThanOrEqual(21);
    for (const [table, columns] of declared) {
      expect(actual.get(table), `table ${table}`).toEqual(columns);
    }
    expect([...actual.keys()].sort()).toEqual([...declared.keys(), migrationsTable].sort());
  });

  it("creates the audit indexes that serve per-gateway newest-first queries, and no more (each costs every insert)", () => {
    const audit = postgresIndexes.filter((i) => i.tablename === "audit_events");
    expect(audit.map((i) => i.indexname).sort()).toEqual([
      "audit_events_chain_id_seq_key",
      "audit_events_event_id_key",
      "audit_events_gateway_ts_idx",
      "audit_events_org_ts_idx",
      "audit_events_pkey",
    ]);
    expect(audit.find((i) => i.indexname === "audit_events_gateway_ts_idx")?.indexdef).toContain(
      "(gateway_id, ts DESC, id DESC, decision, agent, action_type text_pattern_ops)",
    );
  });

  it("keeps the composite key of every gateway-owned table, audit_events included, to gateways", () => {
    const auditKeys = postgresConstraints.filter(
      (c) => c.table_name === "audit_events" && c.definition.startsWith("FOREIGN KEY"),
    );
    expect(auditKeys.map((c) => c.definition)).toEqual([
      "FOREIGN KEY (gateway_id, org_id) REFERENCES gateways(id, org_id) ON UPDATE CASCADE ON DELETE CASCADE",
    ]);
    expect(
      postgresConstraints.filter((c) => c.definition.includes("REFERENCES gateways(id, org_id)")).length,
    ).toBeGreaterThanOrEqual(10);
    expect(postgresTriggers).toEqual([]);
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

  it("gives PGlite, migrated from empty by createDatabase, exactly the same tables, columns, indexes, constraints and triggers", async () => {
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
      expect(await db.sql.query(constraintsSql)).toEqual(postgresConstraints);
      expect(await db.sql.query(triggersSql)).toEqual(postgresTriggers);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});

// A range mark made before marks recorded their chain covered the seq range in every chain
// (process run) of its gateway. The migration keeps it for the chains its reviewer could have
// seen: those with an event in the range stored when the mark was made.
describe.each([{ name: "postgres" as const }, { name: "pglite" as const }])(
  "migration 20261125183000_review_mark_chain on $name",
  ({ name }) => {
    const target = "20261125183000_review_mark_chain";
    let executor: SqlExecutor;
    let close: () => Promise<void>;

    beforeAll(async () => {
      if (name === "postgres") {
        const database = await createTestDatabase({ migrate: false });
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        executor = pgClientExecutor(client);
        close = async () => {
          await client.end();
          await database.drop();
        };
      } else {
        const lite = await PGlite.create("memory://");
        executor = pgliteExecutor(lite);
        close = () => lite.close();
      }
      await applyMigrations(
        executor,
        readMigrations().filter((m) => m.name < target),
      );
    });
    afterAll(async () => {
      await close();
    });

    it("gives each earlier range mark the chains that had an event in it when it was made, one mark per chain", async () => {
      await executor.exec(`
      INSERT INTO organizations (id, name, slug) VALUES ('org_m1', 'M', 'm-1');
      INSERT INTO gateways (id, org_id, name, token_hash, token_prefix)
        VALUES ('gw_m1', 'org_m1', 'one', 'h1', 'gwtk_1'), ('gw_m2', 'org_m1', 'two', 'h2', 'gwtk_2');
    `);
      const event = (id: string, gw: string, chain: string, seq: number, receivedAt: string) =>
        `('${id}', 'org_m1', '${gw}', '${chain}', ${seq}, '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'coder',
        'allow', 'GET', 'h', '/', 'req_${id}', 'p', 'x', '${receivedAt}')`;
      await executor.exec(`
      INSERT INTO audit_events (event_id, org_id, gateway_id, chain_id, seq, ts, ts_text, agent, decision,
        method, host, path, request_id, prev_hash, hash, received_at) VALUES
      ${[
        // gw_m1: run a stored before the marks; run b stored seq 2 before them, seq 5 after;
        // run c only after them.
        event("evt_a1", "gw_m1", "gw_m1:a", 1, "2030-01-01T01:00:00Z"),
        event("evt_a7", "gw_m1", "gw_m1:a", 7, "2030-01-01T01:00:00Z"),
        event("evt_b2", "gw_m1", "gw_m1:b", 2, "2030-01-01T01:00:00Z"),
        event("evt_b5", "gw_m1", "gw_m1:b", 5, "2030-01-01T03:00:00Z"),
        event("evt_c1", "gw_m1", "gw_m1:c", 1, "2030-01-01T03:00:00Z"),
        event("evt_x1", "gw_m2", "gw_m2", 1, "2030-01-01T01:00:00Z"),
      ].join(",\n")}`);
      await executor.exec(`
      INSERT INTO audit_review_marks (id, org_id, gateway_id, event_id, from_seq, to_seq, reviewer_user_id, created_at) VALUES
        ('rev_both00001', 'org_m1', 'gw_m1', NULL, 0, 3, 'usr_1', '2030-01-01T02:00:00Z'),
        ('rev_onlya0001', 'org_m1', 'gw_m1', NULL, 6, 9, 'usr_1', '2030-01-01T02:00:00Z'),
        ('rev_empty0001', 'org_m1', 'gw_m1', NULL, 50, 60, 'usr_1', '2030-01-01T02:00:00Z'),
        ('rev_event0001', 'org_m1', 'gw_m1', 'evt_c1', NULL, NULL, 'usr_1', '2030-01-01T04:00:00Z');
    `);

      const report = await applyMigrations(executor, readMigrations());
      expect(report.applied).toEqual(
        readMigrations()
          .filter((m) => m.name >= target)
          .map((m) => m.name),
      );

      const marks = await executor.query<{ id: string; chain_id: string | null; from_seq: string | null }>(
        "SELECT id, chain_id, from_seq::text FROM audit_review_marks ORDER BY id",
      );
      expect(marks).toEqual([
        { id: "rev_both00001", chain_id: "gw_m1:a", from_seq: "0" },
        { id: "rev_both00001c2", chain_id: "gw_m1:b", from_seq: "0" },
        { id: "rev_empty0001", chain_id: null, from_seq: "50" },
        { id: "rev_event0001", chain_id: null, from_seq: null },
        { id: "rev_onlya0001", chain_id: "gw_m1:a", from_seq: "6" },
      ]);
    });
  },
);
