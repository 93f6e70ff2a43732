import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { E2eResult } from "./run.ts";
import { repoRoot } from "./stack.ts";

describe("dashboard e2e", () => {
  it("sign-up, gateway wizard, live approvals, audit, RBAC and the kill switch work in a real browser against the real API", {
    timeout: 360_000,
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
    expect(code).toBe(0);
  });
});
