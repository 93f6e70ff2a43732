// Shared helpers for integration tests: a fresh Postgres database or PGlite folder per test
// file, and a private Redis key prefix. Each cleans up after itself.
export { type OpenedTestDatabase, type TestBackend, testBackends } from "./db-backends.ts";
export { type LoopbackServer, startLoopbackServer } from "./loopback-server.ts";
export {
  createTestDatabase,
  createTestPgliteDir,
  postgresAdminUrl,
  type TestDatabase,
  type TestPgliteDir,
} from "./test-database.ts";
export { createRedisTestPrefix, type RedisTestPrefix, redisTestUrl } from "./test-redis.ts";
