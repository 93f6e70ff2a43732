// The e2e runner: builds the dashboard when its build is stale, starts the real API (Postgres,
// Redis, BullMQ workers) and `next start`, launches Debian's chromium through playwright-core
// and runs every `*.spec.ts` in this folder in order. Screenshots go to tests/e2e/screenshots/
// (or E2E_SCREENSHOTS). The last stdout line is `E2E_RESULT <json>`; the exit code is 0 only
// when every step passed and nothing was blocked.
//
//   node --import tsx tests/e2e/run.ts          (E2E_SPECS=golden-path: only that spec)
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { createTf, type E2eSpec, type SpecContext, startFakeUpstream } from "./harness.ts";
import { ensureWebBuild, repoRoot, type Stack, startStack } from "./stack.ts";

const e2eDir = fileURLToPath(new URL(".", import.meta.url));

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

export interface StepResult {
  spec: string;
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface E2eResult {
  ok: boolean;
  steps: StepResult[];
  screenshotsDir: string;
  screenshots: string[];
  figures: Record<string, number | string>;
  blocked: string[];
  /** Uncaught errors in the pages (a hydration mismatch, a crash): each fails the run. */
  pageErrors: string[];
  error?: string;
}

// Set while a run is under way: a SIGTERM (the test runner giving up) still stops what it started.
let stopRunning: (() => Promise<void>) | null = null;

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export async function runE2e(
  options: { screenshotsDir?: string; log?: (line: string) => void } = {},
): Promise<E2eResult> {
  const log = options.log ?? ((line: string) => console.log(`[e2e] ${line}`));
  const screenshotsDir = options.screenshotsDir ?? join(repoRoot, "tests/e2e/screenshots");
  rmSync(screenshotsDir, { recursive: true, force: true });
  mkdirSync(screenshotsDir, { recursive: true });
  const result: E2eResult = {
    ok: false,
    steps: [],
    screenshotsDir,
    screenshots: [],
    figures: {},
    blocked: [],
    pageErrors: [],
  };
  const started = Date.now();
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const upstream = await startFakeUpstream();
  const tfHome = mkdtempSync(join(tmpdir(), "tf-e2e-home-"));
  stopRunning = async () => {
    await browser?.close();
    await stack?.close();
    await upstream.close();
    rmSync(tfHome, { recursive: true, force: true });
  };
  try {
    const buildMs = await ensureWebBuild(log);
    result.figures.webBuildMs = buildMs;
    if (buildMs > 0) log(`dashboard built in ${(buildMs / 1000).toFixed(1)} s`);
    stack = await startStack();
    log(`API ${stack.apiUrl} · dashboard ${stack.webUrl}`);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: chromiumArgs,
    });
    let shotCount = 0;
    const openPages: Page[] = [];
    const activeBrowser = browser;
    const runningStack = stack;
    // E2E_SPECS=golden-path,dashboard runs only those (by file name, without `.spec.ts`).
    const wanted = process.env.E2E_SPECS?.split(",").map((s) => `${s.trim()}.spec.ts`);
    const specs = readdirSync(e2eDir)
      .filter((f) => f.endsWith(".spec.ts") && (wanted === undefined || wanted.includes(f)))
      .sort();
    for (const file of specs) {
      const mod = (await import(pathToFileURL(join(e2eDir, file)).href)) as { spec: E2eSpec };
      const spec = mod.spec;
      const ctx: SpecContext = {
        stack: runningStack,
        browser: activeBrowser,
        upstream,
        tf: createTf(tfHome),
        async step(name, fn) {
          const t0 = Date.now();
          log(`▶ ${spec.name} › ${name}`);
          try {
            await fn();
            result.steps.push({ spec: spec.name, name, ok: true, ms: Date.now() - t0 });
          } catch (error) {
            const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
            result.steps.push({ spec: spec.name, name, ok: false, ms: Date.now() - t0, error: message });
            // What each open page showed when the step failed.
            for (const [i, page] of openPages.filter((pg) => !pg.isClosed()).entries()) {
              const path = join(screenshotsDir, `failure-${i + 1}.png`);
              await page.screenshot({ path, fullPage: true }).then(
                () => result.screenshots.push(path),
                (shotError: unknown) => log(`failure screenshot: ${String(shotError)}`),
              );
            }
            throw error;
          }
        },
        async shot(page: Page, name: string, options = {}) {
          shotCount += 1;
          const path = join(screenshotsDir, `${String(shotCount).padStart(2, "0")}-${slug(name)}.png`);
          // From the top: a full-page capture of a scrolled page paints sticky headers mid-page.
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path, fullPage: options.fullPage ?? true });
          result.screenshots.push(path);
          return path;
        },
        async newUser(viewport = { width: 1366, height: 900 }) {
          const context = await activeBrowser.newContext({ viewport });
          const page = await context.newPage();
          openPages.push(page);
          page.setDefaultTimeout(15_000);
          page.on("pageerror", (e) => {
            result.pageErrors.push(`${page.url()}: ${e.message}`);
            log(`page error on ${page.url()}: ${e.message}`);
          });
          return { context, page };
        },
        figure(name, value) {
          result.figures[name] = value;
          log(`figure ${name} = ${value}`);
        },
        blocked(what) {
          result.blocked.push(what);
          log(`BLOCKED: ${what}`);
        },
        log,
      };
      await spec.run(ctx);
    }
    result.ok =
      result.steps.every((s) => s.ok) && result.blocked.length === 0 && result.pageErrors.length === 0;
  } catch (error) {
    result.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`failed: ${result.error}`);
    if (stack !== undefined) {
      log(`API log (last lines):\n${stack.apiLog.slice(-30).join("\n")}`);
      log(`dashboard log (last lines):\n${stack.webLog.join("").split("\n").slice(-30).join("\n")}`);
    }
  } finally {
    await browser?.close();
    try {
      await stack?.close();
    } catch (error) {
      // The steps' outcome stands; a failed cleanup is reported, not hidden.
      log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      result.ok = false;
      result.error ??= `cleanup failed: ${String(error)}`;
    }
    await upstream.close();
    rmSync(tfHome, { recursive: true, force: true });
    stopRunning = null;
  }
  result.figures.totalMs = Date.now() - started;
  log(`screenshots: ${screenshotsDir}`);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      console.log(`[e2e] ${signal}: stopping the stack`);
      void (stopRunning?.() ?? Promise.resolve()).finally(() => process.exit(1));
    });
  }
  const result = await runE2e(
    process.env.E2E_SCREENSHOTS === undefined ? {} : { screenshotsDir: process.env.E2E_SCREENSHOTS },
  );
  console.log(`E2E_RESULT ${JSON.stringify(result)}`);
  process.exit(result.ok ? 0 : 1);
}
