import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase, testBackends } from "../../../tests/support/index.ts";
import { createDatabase } from "./database.ts";

describe.each(testBackends)("database on $name", (backend) => {
  it("ping answers true while the database is open and false (without throwing) once it is closed", async () => {
    const opened = await backend.open();
    try {
      expect(await opened.db.ping()).toBe(true);
      await opened.db.close();
      expect(await opened.db.ping({ timeoutMs: 1000 })).toBe(false);
    } finally {
      await opened.cleanup();
    }
  });
});

describe("database on Postgres when the server ends idle connections", () => {
  it("an idle pooled connection the server terminates is reported, not a crash, and the next query reconnects", async () => {
    const database = await createTestDatabase();
    const errors: string[] = [];
    const db = await createDatabase({
      databaseUrl: database.url,
      poolMax: 2,
      onIdleConnectionError: (error) => errors.push(error.message),
    });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      expect(await db.ping()).toBe(true); // one connection now idle in the pool
      const name = new URL(database.url).pathname.slice(1);
      const ended = await admin.query(
        "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t",
        [name],
      );
      expect(ended.rows[0]?.n).toBeGreaterThanOrEqual(1);
      await waitUntil(() => errors.length > 0);
      expect(errors[0]).toMatch(/terminating connection/);
      expect(await db.ping()).toBe(true);
    } finally {
      await admin.end();
      await db.close();
      await database.drop();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the pool's error report");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
