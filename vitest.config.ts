import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure and fast (no IO); `integration` talks to the real
// Postgres (127.0.0.1:5432), Redis (127.0.0.1:6379) and loopback sockets.
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
          exclude: ["**/node_modules/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
    ],
  },
});
