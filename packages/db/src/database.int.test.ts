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

describe("database on Postgres when the server ends a connection in the middle of a COPY", () => {
  it("a COPY whose connection the server ends fails with the server's error, and the next COPY works", async () => {
    const database = await createTestDatabase({ migrate: false });
    const db = await createDatabase({ databaseUrl: database.url, poolMax: 2 });
    const admin = new pg.Client({ connectionString: database.url });
    const locker = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // An unheard `error` event on a checked-out client would surface here (and crash a server).
    const uncaught: Error[] = [];
    const onUncaught = (error: Error) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      await admin.query("CREATE TABLE copied (n int, t text)");
      // Hold the table so the COPY waits on its lock, then end the COPY's connection from outside
      // (looked up from another connection: a transaction sees one snapshot of pg_stat_activity).
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE copied IN ACCESS EXCLUSIVE MODE");
      const copy = db.sql.copyFrom?.("copied", ["n", "t"], "1\tone\n2\ttwo\n");
      const failed = copy?.then(
        () => "stored",
        (error: { code?: string }) => error.code,
      );
      let pid: number | undefined;
      await waitUntil(
        () => pid !== undefined,
        10_000,
        async () => {
          const r = await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY copied%' AND wait_event_type = 'Lock'",
          );
          pid = r.rows[0]?.pid;
        },
      );
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      expect(await failed).toBe("57P01");
      await locker.query("ROLLBACK");
      expect(await db.sql.copyFrom?.("copied", ["n", "t"], "3\tthree\n")).toBe(1);
      expect((await admin.query("SELECT n, t FROM copied")).rows).toEqual([{ n: 3, t: "three" }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      await locker.end();
      await admin.end();
      await db.close();
      await database.drop();
    }
  });
});

async function waitUntil(
  condition: () => boolean,
  timeoutMs = 10_000,
  probe: () => Promise<void> = async () => {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (await probe(); !condition(); await probe()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
