// @tameflare/db: the only package that talks to the database. Everything it returns is a
// contract type from @tameflare/contracts; Prisma's types stay inside.
export {
  type CreateDatabaseOptions,
  createDatabase,
  type Database,
  type DatabaseKind,
  type DbClient,
  defaultPgliteDir,
  pgliteExecutor,
  type RawSql,
  resolvePgliteDir,
} from "./database.ts";
export { type DataEnv, type DataEnvErrorCode, maskUrl, type ReadDataEnvOptions, readDataEnv } from "./env.ts";
export {
  applyMigrations,
  defaultMigrationsDir,
  type Migration,
  type MigrationReport,
  migratePostgres,
  migrationsTable,
  pgClientExecutor,
  readMigrations,
  type SqlExecutor,
} from "./migrations.ts";
export * from "./repositories/index.ts";
