import { describe, expect, it } from "vitest";
import { maskUrl, readDataEnv } from "./env.ts";

describe("readDataEnv", () => {
  it("treats unset and empty variables as the embedded default", () => {
    expect(readDataEnv({})).toEqual({ ok: true, value: { databaseUrl: undefined, redisUrl: undefined } });
    expect(readDataEnv({ DATABASE_URL: "", REDIS_URL: "  " })).toEqual({
      ok: true,
      value: { databaseUrl: undefined, redisUrl: undefined },
    });
  });

  it("accepts postgres and redis URLs", () => {
    const result = readDataEnv({
      DATABASE_URL: "postgresql://tf:secret@db.internal:5432/tameflare?sslmode=require",
      REDIS_URL: "rediss://cache:6380/0",
    });
    expect(result).toEqual({
      ok: true,
      value: {
        databaseUrl: "postgresql://tf:secret@db.internal:5432/tameflare?sslmode=require",
        redisUrl: "rediss://cache:6380/0",
      },
    });
  });

  const malformed = [
    {
      name: "not a URL",
      env: { DATABASE_URL: "foo" },
      line: "DATABASE_URL is not a valid postgres:// URL: `foo`",
    },
    {
      name: "wrong scheme",
      env: { DATABASE_URL: "mysql://db/x" },
      line: "DATABASE_URL is not a valid postgres:// URL: `mysql://db/x`: the scheme must be postgres:// or postgresql://",
    },
    {
      name: "no host",
      env: { DATABASE_URL: "postgres:///tameflare" },
      line: "DATABASE_URL is not a valid postgres:// URL: `postgres:///tameflare`: it names no host",
    },
    {
      name: "bad redis URL",
      env: { REDIS_URL: "localhost:6379" },
      line: "REDIS_URL is not a valid redis:// URL: `localhost:6379`: the scheme must be redis:// or rediss://",
    },
  ];
  it.each(malformed)(
    "a malformed value gives one clear line naming the variable ($name)",
    ({ env, line }) => {
      const result = readDataEnv(env);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.code).toBe("invalid_env");
      expect(result.message).toBe(line);
      expect(result.message).not.toContain("\n");
    },
  );

  it("a required but missing variable names it", () => {
    const db = readDataEnv({}, { requireDatabaseUrl: true });
    expect(
      db.ok === false && db.code === "missing_env" && db.message.startsWith("DATABASE_URL is not set"),
    ).toBe(true);
    const redis = readDataEnv({ DATABASE_URL: "postgres://h/db" }, { requireRedisUrl: true });
    expect(redis.ok === false && redis.message.startsWith("REDIS_URL is not set")).toBe(true);
  });

  it("never echoes a password in an error line", () => {
    const result = readDataEnv({ DATABASE_URL: "mysql://admin:hunter2@db/x" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).not.toContain("hunter2");
    expect(result.message).toContain("mysql://admin:***@db/x");
    expect(maskUrl("postgres://u:p@h/d")).toBe("postgres://u:***@h/d");
    expect(maskUrl("postgres://h/d")).toBe("postgres://h/d");
  });
});
