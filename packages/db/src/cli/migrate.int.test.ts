import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/index.ts";
import { readMigrations } from "../migrations.ts";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
const script = fileURLToPath(new URL("./migrate.ts", import.meta.url));

function runMigrate(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [script], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

describe.concurrent("pnpm db:migrate", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await database.drop();
  });

  it("a malformed DATABASE_URL gives one clear line naming the variable and exits non-zero", async () => {
    const result = await runMigrate({ DATABASE_URL: "foo" });
    expect(result.code).not.toBe(0);
    expect(result.err).toBe("db:migrate: DATABASE_URL is not a valid postgres:// URL: `foo`\n");
    expect(result.out).toBe("");
  });

  it("an unreachable database gives one line, not a stack trace", async () => {
    const result = await runMigrate({ DATABASE_URL: "postgres://postgres:pw@127.0.0.1:1/nothing" });
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "db:migrate: cannot reach the database at `postgres://postgres:***@127.0.0.1:1/nothing`: ECONNREFUSED\n",
    );
  });

  it("applies every migration to an empty database and prints what it applied", async () => {
    const result = await runMigrate({ DATABASE_URL: database.url });
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    for (const { name } of readMigrations()) expect(result.out).toContain(`applied ${name}`);
  });
});
