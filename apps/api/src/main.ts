// The control plane's process: `tsx apps/api/src/main.ts [all|api|worker]`.
//   all     API and workers in one process (default; the only choice in the embedded mode)
//   api     the HTTP API only (scale out behind a load balancer; needs DATABASE_URL and REDIS_URL)
//   worker  the queue workers only (audit ingest, approval expiry, Slack notifications)
// A bad environment or a failed start prints one line and exits 1. SIGTERM/SIGINT shut down
// gracefully: drain HTTP, close workers, then queues, then connections; a second signal exits at once.

import { type App, type AppRole, appRoles, createApp } from "./app.ts";
import { readApiEnv } from "./env.ts";

const name = "tameflare-api";

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").find((line) => line.trim() !== "") ?? "failed to start";
}

async function main(args: string[]): Promise<void> {
  const role = args[0] ?? "all";
  if (!(appRoles as readonly string[]).includes(role) || args.length > 1) {
    console.error(`${name}: usage: main.ts [all|api|worker] (got \`${args.join(" ")}\`)`);
    process.exit(1);
  }
  const env = readApiEnv();
  if (!env.ok) {
    console.error(`${name}: ${env.message}`);
    process.exit(1);
  }

  let app: App | undefined;
  try {
    app = await createApp(env.value, { role: role as AppRole });
    await app.start();
  } catch (error) {
    console.error(`${name}: ${oneLine(error)}`);
    await app?.close();
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${name}: ${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    app.deps.log.info(`${signal}: shutting down`);
    // A bound on the whole shutdown, beyond the HTTP drain's own.
    const hard = setTimeout(() => {
      console.error(`${name}: shutdown took too long: exiting`);
      process.exit(1);
    }, env.value.SHUTDOWN_TIMEOUT_MS + 15_000);
    hard.unref();
    void app.close().then(() => {
      app.deps.log.info("stopped");
      process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

await main(process.argv.slice(2));
