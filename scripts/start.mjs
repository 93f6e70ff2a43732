// `pnpm start`: runs TameFlare. With no DATABASE_URL / REDIS_URL it is the embedded mode (PGlite
// under .tameflare/, in-process queue): the API with its workers in one process, then the
// dashboard (a production `next build`, made once, served by `next start`). With both set the
// same command runs on Postgres and BullMQ; `pnpm start:api`, `start:worker` and `start:web` run
// the pieces separately so each scales out on its own.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = join(root, "node_modules/.bin/tsx");
const apiPort = process.env.API_PORT ?? "4000";
const webPort = process.env.PORT ?? "3000";
const apiUrl = process.env.API_URL ?? `http://127.0.0.1:${apiPort}`;
const webDir = join(root, "apps/web");
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
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 200).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const embedded = !process.env.DATABASE_URL && !process.env.REDIS_URL;
console.log(
  `tameflare: starting the API and workers (${embedded ? "embedded: PGlite under .tameflare/, in-process queue" : "Postgres + BullMQ"}) on ${apiUrl}`,
);
run(tsx, ["apps/api/src/main.ts", "all"], { env: { ...process.env, API_PORT: apiPort } });

const hasDashboard = existsSync(join(webDir, "src/app"));
if (hasDashboard) {
  if (!existsSync(join(webDir, ".next/BUILD_ID"))) {
    console.log("tameflare: building the dashboard once (next build)…");
    const built = spawnSync("pnpm", ["--filter", "@tameflare/web", "build"], { cwd: root, stdio: "inherit" });
    if (built.status !== 0) {
      console.error("tameflare: the dashboard build failed; the API keeps running");
    }
  }
  if (existsSync(join(webDir, ".next/BUILD_ID"))) {
    run("pnpm", ["--filter", "@tameflare/web", "start", "-p", webPort], {
      env: { ...process.env, API_URL: apiUrl },
    });
    console.log(
      `tameflare: dashboard on http://127.0.0.1:${webPort} — sign up, create a gateway, then run the tf init line it shows`,
    );
  }
} else {
  console.log("tameflare: the dashboard is not in this checkout yet; the API answers on", apiUrl);
}
console.log(
  "tameflare: local mode needs no control plane: write a tameflare.yaml and run `pnpm tf run -- <your agent>`",
);
