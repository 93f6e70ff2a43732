// `pnpm db:migrate`: applies the committed migrations to DATABASE_URL and says what it did.
// Failures print one line and exit non-zero; no stack traces for configuration mistakes.

import { maskUrl, readDataEnv } from "../env.ts";
import { migratePostgres } from "../migrations.ts";

async function main(): Promise<number> {
  const env = readDataEnv(process.env, { requireDatabaseUrl: true });
  if (!env.ok) {
    console.error(`db:migrate: ${env.message}`);
    return 2;
  }
  const url = env.value.databaseUrl as string;
  let report: Awaited<ReturnType<typeof migratePostgres>>;
  try {
    report = await migratePostgres(url);
  } catch (cause) {
    console.error(`db:migrate: ${describe(cause, url)}`);
    return 1;
  }
  for (const name of report.applied) console.log(`applied ${name}`);
  if (report.unknown.length > 0) {
    console.log(
      `note: the database has migrations this checkout does not know: ${report.unknown.join(", ")}`,
    );
  }
  console.log(
    report.applied.length === 0
      ? `database is up to date (${report.skipped.length} migrations already applied)`
      : `applied ${report.applied.length} migration(s); ${report.skipped.length} were already applied`,
  );
  return 0;
}

/** One line for the usual failures: unreachable server, unknown database, refused login. */
function describe(cause: unknown, url: string): string {
  const target = `\`${maskUrl(url)}\``;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ETIMEDOUT") {
    return `cannot reach the database at ${target}: ${code}`;
  }
  if (code === "3D000") return `the database in ${target} does not exist: create it first`;
  if (code === "28P01" || code === "28000") return `the database at ${target} refused the login: ${message}`;
  if (cause instanceof AggregateError && cause.errors.length > 0) return describe(cause.errors[0], url);
  return `migrating ${target} failed: ${message.split("\n")[0]}`;
}

process.exitCode = await main();
