import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { E2eResult } from "./run.ts";
import { repoRoot } from "./stack.ts";

describe("e2e in a real browser (tests/e2e/*.spec.ts)", () => {
  it("the dashboard (sign-up, wizard, live approvals, audit, RBAC, kill switch) and the golden path (Postgres + Redis, then a clean clone's pnpm start) work against the real API", {
    timeout: 900_000,
  }, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "tests/e2e/run.ts")], {
      cwd: repoRoot,
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    // A timed-out test still stops the runner, which stops the API and the dashboard it started.
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGTERM");
    });
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      for (const line of text.split("\n")) if (line.startsWith("[e2e]")) console.log(line);
    });
    const [code] = (await once(child, "exit")) as [number | null];
    const line = stdout.split("\n").find((l) => l.startsWith("E2E_RESULT "));
    expect(line, "the runner printed its result").toBeDefined();
    const result = JSON.parse(line?.slice("E2E_RESULT ".length) ?? "{}") as E2eResult;
    console.log(`e2e screenshots: ${result.screenshotsDir}`);
    console.log(`e2e figures: ${JSON.stringify(result.figures)}`);
    expect(result.blocked).toEqual([]);
    expect(result.pageErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps.length).toBeGreaterThanOrEqual(9);
    // Both specs ran, and the golden path went through both stacks.
    expect([...new Set(result.steps.map((s) => s.spec))].sort()).toEqual(["dashboard", "golden path"]);
    for (const mode of ["postgres", "embedded"])
      expect(result.steps.filter((s) => s.name.startsWith(`${mode}:`)).length).toBe(7);
    expect(result.steps.filter((s) => s.name.startsWith("clean clone:")).length).toBe(3);
    expect(code).toBe(0);
  });
});
