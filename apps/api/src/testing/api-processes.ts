import { randomBytes } from "node:crypto";
import net from "node:net";
import { createDatabase, createRepositories } from "@tameflare/db";
import { sessionTtlMs } from "../services/auth/session-cookie.ts";
import { issueToken } from "../services/shared/tokens.ts";
import { type MainProcess, runMain } from "./run-main.ts";
import { waitFor } from "./wait-for.ts";

/** A port free right now on 127.0.0.1 (for an API that must keep its address across restarts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type ProcessRole = "all" | "api" | "worker";

/**
 * The control plane as separate processes (`main.ts api` and `main.ts worker`, or `all`) on a
 * given Postgres database and Redis prefix, with a fixed API port so gateways find it again
 * after a restart. Every process started here is killed by `stopAll`.
 */
export function apiProcesses(options: {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  port: number;
  env?: Record<string, string>;
  /** Extra `node` flags for every process (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}) {
  const vaultKey = randomBytes(32).toString("base64");
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    TF_VAULT_KEY: vaultKey,
    API_HOST: "127.0.0.1",
    API_PORT: String(options.port),
    ...options.env,
  };
  const running = new Map<ProcessRole, MainProcess>();
  const url = `http://127.0.0.1:${options.port}`;

  return {
    url,
    env,
    running,
    /** Starts a role and resolves once it is ready (API listening, or worker running). */
    async start(role: ProcessRole): Promise<MainProcess> {
      const child = runMain([role], env, options.nodeArgs);
      running.set(role, child);
      const ready = role === "worker" ? /worker running/ : /listening on http/;
      await waitFor(
        `the ${role} process to start`,
        async () => {
          if (child.process.exitCode !== null) {
            throw new Error(
              `the ${role} process exited (${child.process.exitCode}): ${child.stderr().slice(-2000)}`,
            );
          }
          return ready.test(child.stdout());
        },
        { timeoutMs: 90_000, intervalMs: 100 },
      );
      return child;
    },
    /** Kills a role (SIGKILL: a crash) and waits for it to be gone. */
    async kill(role: ProcessRole, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
      const child = running.get(role);
      if (child === undefined) return;
      child.process.kill(signal);
      await child.exited;
      running.delete(role);
    },
    async stopAll(): Promise<void> {
      await Promise.all(
        [...running.values()].map(async (child) => {
          child.process.kill("SIGTERM");
          const timer = setTimeout(() => child.process.kill("SIGKILL"), 20_000);
          await child.exited;
          clearTimeout(timer);
        }),
      );
      running.clear();
    },
  };
}

/** An organization with a gateway (and its token) and a viewer's session, written straight to the database. */
export async function seedGatewayTenant(databaseUrl: string) {
  const db = await createDatabase({ databaseUrl, poolMax: 2 });
  try {
    const repos = createRepositories(db.prisma);
    const suffix = randomBytes(4).toString("hex");
    const org = await repos.organizations.create({ name: "Bench", slug: `bench-${suffix}` });
    if (!org.ok) throw new Error(org.message);
    const token = issueToken((n) => randomBytes(n), "gwtk");
    const gateway = await repos.gateways.create({
      orgId: org.value.id,
      name: `gw-${suffix}`,
      tokenHash: token.hash,
      tokenPrefix: token.prefix,
    });
    if (!gateway.ok) throw new Error(gateway.message);
    const user = await repos.users.create({ email: `viewer-${suffix}@example.com` });
    if (!user.ok) throw new Error(user.message);
    const member = await repos.memberships.add({
      orgId: org.value.id,
      userId: user.value.id,
      role: "viewer",
    });
    if (!member.ok) throw new Error(member.message);
    const session = issueToken((n) => randomBytes(n), "tfses");
    await repos.sessions.create({
      userId: user.value.id,
      tokenHash: session.hash,
      expiresAt: new Date(Date.now() + sessionTtlMs),
      activeOrgId: org.value.id,
    });
    return {
      orgId: org.value.id,
      gatewayId: gateway.value.id,
      gatewayToken: token.token,
      session: session.token,
    };
  } finally {
    await db.close();
  }
}
