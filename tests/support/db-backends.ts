import { createDatabase, type Database, type DatabaseKind } from "@tameflare/db";
import { createTestDatabase, createTestPgliteDir } from "./test-database.ts";

export interface OpenedTestDatabase {
  db: Database;
  /** Closes the database and drops (Postgres) or deletes (PGlite) it. */
  cleanup(): Promise<void>;
}

export interface TestBackend {
  name: DatabaseKind;
  open(): Promise<OpenedTestDatabase>;
}

/**
 * The two databases the data layer supports, each opened fresh and migrated. Run a suite
 * on both with `describe.each(testBackends)("… on $name", (backend) => …)`.
 */
export const testBackends: TestBackend[] = [
  {
    name: "postgres",
    async open() {
      const database = await createTestDatabase();
      const db = await createDatabase({ databaseUrl: database.url, poolMax: 4 });
      return {
        db,
        async cleanup() {
          await db.close();
          await database.drop();
        },
      };
    },
  },
  {
    name: "pglite",
    async open() {
      const dir = await createTestPgliteDir();
      const db = await createDatabase({ dataDir: dir.dataDir });
      return {
        db,
        async cleanup() {
          await db.close();
          dir.cleanup();
        },
      };
    },
  },
];
