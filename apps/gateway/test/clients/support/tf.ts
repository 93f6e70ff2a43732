import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { testFromSource, testProcessEnv } from "./env.ts";

const require = createRequire(import.meta.url);
export const gatewayRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const mainTs = join(gatewayRoot, "src/cli/main.ts");
export const fixturesDir = fileURLToPath(new URL("../fixtures/", import.meta.url));
const tsxLoader = pathToFileURL(require.resolve("tsx")).href;

/** Variables a test must not inherit: the machine's proxies and CA settings would mask what tf sets. */
const scrubbed = /^(https?_proxy|all_proxy|no_proxy|node_options|tf_home)$/i;

/** The environment `tf` runs with: the test's, minus proxies, plus TF_HOME and `extra`. */
export function tfEnv(tfHome: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(testProcessEnv())) {
    if (!scrubbed.test(key)) env[key] = value;
  }
  return { ...env, TF_HOME: tfHome, ...extra };
}

let bundle: Promise<string> | undefined;
const repoRoot = join(gatewayRoot, "../..");

/** A key that changes whenever a source the bundle is built from changes (path, size, mtime). */
function sourceKey(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const info = statSync(path);
        hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
      }
    }
  };
  for (const dir of [join(gatewayRoot, "src"), join(gatewayRoot, "scripts"), join(repoRoot, "packages")])
    walk(dir);
  hash.update(String(statSync(join(repoRoot, "pnpm-lock.yaml")).mtimeMs));
  return hash.digest("hex").slice(0, 16);
}

/** Bundles of older source states accumulate in the temp dir: drop those unused for a day. */
async function pruneOldBundles(): Promise<void> {
  const dayAgoMs = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(tmpdir())) {
    if (!/^tf-bundle-[0-9a-f]{16}$/.test(name)) continue;
    const path = join(tmpdir(), name);
    if (statSync(path).mtimeMs < dayAgoMs) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Builds `tf` with scripts/build.mjs (the tests run the shipped bundle; it starts in a fraction
 * of the time tsx needs). Test files share one build per source state: it is made in a private
 * directory and renamed into place, so concurrent files never see half a bundle.
 * `TF_TEST_FROM_SOURCE=1` runs the sources through tsx instead.
 */
export function buildTf(): Promise<string> {
  bundle ??= (async () => {
    const dir = join(tmpdir(), `tf-bundle-${sourceKey()}`);
    const entry = join(dir, "tf.mjs");
    if (existsSync(entry) && existsSync(join(dir, "preload.mjs"))) return entry;
    await pruneOldBundles();
    const outdir = await mkdtemp(join(tmpdir(), "tf-bundle-build-"));
    const result = await collect(
      spawn(process.execPath, [join(gatewayRoot, "scripts/build.mjs"), "--outdir", outdir], {
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    if (result.code !== 0) throw new Error(`tf build failed: ${result.stderr}`);
    try {
      await rename(outdir, dir);
    } catch (error) {
      // Another test file finished the same build first: use it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      await rm(outdir, { recursive: true, force: true });
    }
    return entry;
  })();
  return bundle;
}

let built: string | undefined;

/** Call in `beforeAll` before `spawnTf` / `runTf`. */
export async function prepareTf(): Promise<void> {
  built = testFromSource() ? undefined : await buildTf();
}

/** The command line that runs `tf` from source, as `pnpm tf` does. */
export function sourceTfArgs(args: readonly string[]): string[] {
  return ["--import", tsxLoader, mainTs, ...args];
}

/** Starts `tf` (the bundle from `prepareTf`, else the sources); the caller owns the process. */
export function spawnTf(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): ChildProcess {
  const argv = built === undefined ? sourceTfArgs(args) : [built, ...args];
  return spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface TfResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a spawned `tf` to exit and collects its output. */
export function collect(child: ChildProcess): Promise<TfResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `tf` to completion. */
export function runTf(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<TfResult> {
  return collect(spawnTf(args, options));
}

/** Resolves with the accumulated output once `pattern` appears on the stream. */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (pattern.test(text)) {
        stream.removeListener("data", onData);
        resolve(text);
      }
    };
    stream.on("data", onData);
    stream.once("end", () => reject(new Error(`stream ended before ${pattern}: ${text}`)));
  });
}

/** A temp directory holding TF_HOME and a tameflare.yaml. */
export interface Workspace {
  dir: string;
  tfHome: string;
  configPath: string;
  writeConfig(yaml: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function makeWorkspace(prefix = "tf-int-"): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const tfHome = join(dir, "home");
  const configPath = join(dir, "tameflare.yaml");
  return {
    dir,
    tfHome,
    configPath,
    writeConfig: (yaml) => writeFile(configPath, yaml),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Parses every line of `text` that is a JSON object. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
