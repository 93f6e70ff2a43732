import { defineConfig } from "vitest/config";

const disruptive = "apps/api/src/nothing-lost.int.test.ts";

// Three projects: `unit` is pure and fast (no IO); `integration` talks to the real
// Postgres (127.0.0.1:5432), Redis (127.0.0.1:6379) and loopback sockets; `disruptive`
// restarts Postgres and Redis themselves (nothing-lost), so it runs alone, after the
// other two (a later `groupOrder`), and never beside tests that use those services.
export default defineConfig({
  test: {
    reporters: ["default", "./tests/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/**/src/**/*.test.ts", "apps/**/src/**/*.test.ts", "tests/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "packages/**/src/**/*.int.test.ts",
            "apps/**/src/**/*.int.test.ts",
            "apps/**/test/**/*.int.test.ts",
            "tests/**/*.int.test.ts",
          ],
          exclude: ["**/node_modules/**", disruptive],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      {
        test: {
          name: "disruptive",
          include: [disruptive],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          pool: "forks",
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
