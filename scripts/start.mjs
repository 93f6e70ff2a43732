// `pnpm start`: runs TameFlare. With no DATABASE_URL / REDIS_URL it is the embedded mode (PGlite
// under .tameflare/, in-process queue): the API with its workers in one process, then the
// dashboard (a production `next build`, rebuilt only when its sources changed, served by
// `next start`). With both set the same command runs on Postgres and BullMQ; `pnpm start:api`,
// `start:worker` and `start:web` run the pieces separately so each scales out on its own.
// The `tf` CLI is bundled too (apps/gateway/dist/tf.mjs), as it is published.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = join(root, "node_modules/.bin/tsx");
const apiPort = process.env.API_PORT ?? "4000";
const webPort = process.env.PORT ?? "3000";
const webHost = process.env.WEB_HOST ?? "127.0.0.1";
const apiUrl = process.env.API_URL ?? `http://127.0.0.1:${apiPort}`;
const webUrl = `http://${webHost === "0.0.0.0" ? "127.0.0.1" : webHost}:${webPort}`;
const webDir = join(root, "apps/web");
const gatewayDir = join(root, "apps/gateway");
// The dashboard signs each visitor's address with this secret and the API believes only what
// it signed (login throttling per visitor, not per dashboard). Both processes start together
// here, so a fresh one per start does; a value set in the environment is used as is.
const dashboardSecret = process.env.TF_DASHBOARD_SECRET || randomBytes(32).toString("base64");
const children = [];

function run(cmd, args, options = {}) {
  const child = spawn(cmd, args, { cwd: root, stdio: "inherit", ...options });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`tameflare: ${args.join(" ")} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
  return child;
}

let stopping = false;
function stop(code) {
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill("SIGTERM");
  if (alive.length === 0) process.exit(code);
  let left = alive.length;
  for (const c of alive)
    c.once("exit", () => {
      left -= 1;
      if (left === 0) process.exit(code);
    });
  // Children shut down gracefully (SHUTDOWN_TIMEOUT_MS); do not wait for ever.
  setTimeout(() => process.exit(code), 15_000).unref();
}
// A fault here must not leave the API or the dashboard running without their supervisor.
process.on("uncaughtException", (error) => {
  console.error(`tameflare: ${error.stack ?? error.message}; stopping`);
  stop(1);
});
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** Newest modification time of `path`, or of any source under it when it is a folder. */
function newest(path) {
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (["node_modules", ".next", "dist", "generated"].includes(entry.name)) continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

/** True when `output` is missing or older than any of `sources`. */
function stale(output, sources) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((s) => existsSync(s) && newest(s) > built);
}

const shared = ["packages/contracts/src", "packages/policy-engine/src", "packages/connectors/src"].map((p) =>
  join(root, p),
);

// The CLI as it ships: one esbuild bundle (a second or two).
if (stale(join(gatewayDir, "dist/tf.mjs"), [join(gatewayDir, "src"), ...shared])) {
  const built = spawnSync(process.execPath, [join(gatewayDir, "scripts/build.mjs")], {
    cwd: root,
    stdio: "inherit",
  });
  if (built.status !== 0)
    console.error("tameflare: bundling the tf CLI failed; `pnpm tf` still runs it from source");
}

const embedded = !process.env.DATABASE_URL && !process.env.REDIS_URL;
console.log(
  `tameflare: starting the API and workers (${embedded ? "embedded: PGlite under .tameflare/, in-process queue" : "Postgres + BullMQ"}) on ${apiUrl}`,
);
// Slack and invite links point at the dashboard this command serves, unless told otherwise.
const apiEnv = {
  ...process.env,
  API_PORT: apiPort,
  PUBLIC_URL: process.env.PUBLIC_URL ?? webUrl,
  TF_DASHBOARD_SECRET: dashboardSecret,
};
run(tsx, ["apps/api/src/main.ts", "all"], { env: apiEnv });

/** Resolves once `url` answers below 500, or rejects after `ms`. */
async function answers(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

const webSources = [
  join(webDir, "src"),
  join(webDir, "next.config.ts"),
  join(root, "apps/api/src/routers"),
  ...shared,
];
if (stale(join(webDir, ".next/BUILD_ID"), webSources)) {
  console.log("tameflare: building the dashboard (next build, production)…");
  const built = spawnSync("pnpm", ["--filter", "@tameflare/web", "build"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) console.error("tameflare: the dashboard build failed; the API keeps running");
}
if (existsSync(join(webDir, ".next/BUILD_ID"))) {
  run(
    process.execPath,
    [join(webDir, "node_modules/next/dist/bin/next"), "start", "-p", webPort, "-H", webHost],
    {
      cwd: webDir,
      env: {
        ...process.env,
        API_URL: apiUrl,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        TF_DASHBOARD_SECRET: dashboardSecret,
      },
    },
  );
}

try {
  await answers(`${apiUrl}/readyz`, 120_000);
  if (existsSync(join(webDir, ".next/BUILD_ID"))) await answers(`${webUrl}/login`, 60_000);
} catch (error) {
  console.error(`tameflare: ${error.message}; stopping`);
  stop(1);
}
if (!stopping) {
  console.log(`tameflare: ready. Dashboard: ${webUrl}  API: ${apiUrl}`);
  console.log("  next: open the dashboard, sign up, create a gateway, then run the `tf init` line it shows,");
  console.log("        and wrap your agent: pnpm tf run -- python3 examples/python-agent/agent.py");
  console.log(
    "  local mode needs no control plane: write a tameflare.yaml and run `pnpm tf run -- <your agent>`",
  );
}
