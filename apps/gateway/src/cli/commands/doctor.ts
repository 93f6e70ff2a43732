import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Command } from "commander";
import { mintEphemeralTls } from "../../runtime/ephemeral-tls.ts";
import type { CliContext } from "../context.ts";
import {
  buildProbes,
  doctorAgent,
  doctorHost,
  doctorSecret,
  judgeProbe,
  type Probe,
} from "../doctor/probes.ts";
import { startDoctorTarget } from "../doctor/target.ts";

const probeTimeoutMs = 20_000;

/** `python3` first on PATH, then Debian's `/usr/bin/python3` when it is another interpreter. */
export function findPythons(path: string | undefined): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (!existsSync(file)) return;
    const real = realpathSync(file);
    if (seen.has(real)) return;
    seen.add(real);
    found.push(file);
  };
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "python3");
    if (existsSync(candidate)) {
      add(candidate);
      break;
    }
  }
  add("/usr/bin/python3");
  return found;
}

interface ProbeOutcome {
  exitCode: number | null;
  output: string;
  spawnError?: string;
}

/**
 * The interpreter behind each `python3` found: a pyenv shim costs seconds per start, so it is
 * resolved once (`sys.executable`) and the probes run the interpreter itself.
 */
async function resolvePythons(
  found: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ label: string; executable: string }[]> {
  const probe = (file: string): Probe => ({
    id: "python-executable",
    label: file,
    command: file,
    args: ["-c", "import sys; print(sys.executable)"],
    caVariable: "SSL_CERT_FILE",
    proxyFix: "",
  });
  const outcomes = await Promise.all(found.map((file) => runProbe(probe(file), env, cwd)));
  return found.map((file, i) => {
    const out = outcomes[i];
    const executable = out?.exitCode === 0 ? out.output.trim().split("\n").at(-1)?.trim() : undefined;
    return { label: file, executable: executable !== undefined && executable !== "" ? executable : file };
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function runProbe(probe: Probe, env: Record<string, string>, cwd: string) {
  return new Promise<ProbeOutcome>((resolve) => {
    const child = spawn(probe.command, probe.args, { env: { ...env, GIT_TERMINAL_PROMPT: "0" }, cwd });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < 64 * 1024) output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      output += `\ntimed out after ${probeTimeoutMs / 1000}s`;
      child.kill("SIGKILL");
    }, probeTimeoutMs);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        exitCode: null,
        output,
        spawnError: error.code === "ENOENT" ? `\`${probe.command}\` not found` : error.message,
      });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output });
    });
  });
}

export function registerDoctor(program: Command, context: () => CliContext): void {
  program
    .command("doctor")
    .description(
      "prove each runtime here goes through the gateway and trusts its CA (curl, python, node, git)",
    )
    .option("--verbose", "also print the gateway's log")
    .addHelpText(
      "after",
      [
        "",
        "Starts a gateway and a local HTTPS test target, then runs each runtime with the environment",
        "`tf run` gives an agent: a runtime passes when its request reached the target through the",
        "gateway (agent header and injected credential present). Prints ✓ / ✗ (with the fix) / - (not",
        "installed) per runtime; exits 1 when any runtime bypasses or distrusts the gateway.",
      ].join("\n"),
    )
    .action(async (options: { verbose?: boolean }) => {
      const ctx = context();
      const tls = await mintEphemeralTls([doctorHost, "localhost", "127.0.0.1"], "TameFlare doctor");
      const target = await startDoctorTarget(tls);
      const dir = await mkdtemp(join(tmpdir(), "tf-doctor-"));
      try {
        const caFile = join(dir, "target-ca.pem");
        await writeFile(caFile, tls.caPem);
        const configPath = join(dir, "tameflare.yaml");
        await writeFile(
          configPath,
          [
            "version: 1",
            "gateway: { name: tf-doctor, enforcement: full }",
            "connectors:",
            "  - type: generic",
            "    name: tf-doctor",
            `    domains: [${doctorHost}]`,
            `    upstream: https://localhost:${target.port}`,
            `    credential: { value: ${doctorSecret}, header: authorization, format: "Bearer {secret}" }`,
            `upstream_ca: ${JSON.stringify(caFile)}`,
            "access_rules:",
            "  - { connector: tf-doctor, preset: allow_all }",
            "",
          ].join("\n"),
        );
        const [{ startGateway }, { newAgentPassword, prepareAgentEnv }] = await Promise.all([
          import("../../gateway.ts"),
          import("../../runtime/agent-env.ts"),
        ]);
        const password = newAgentPassword();
        const gateway = await startGateway({
          tfHome: ctx.env.tfHome,
          configPath,
          agents: { [doctorAgent]: password },
          gatewayId: "tf-doctor",
          logger: (line) => {
            if (options.verbose) ctx.stderr(`tf: ${line}\n`);
          },
        });
        let failed = 0;
        try {
          const { env, caBundlePath } = await prepareAgentEnv({
            tfHome: ctx.env.tfHome,
            parent: ctx.env.parent,
            gateway,
            agent: doctorAgent,
            password,
            connectors: [],
          });
          ctx.stdout(`Gateway ${gateway.url}, CA bundle ${caBundlePath}\n`);
          const pythons = await resolvePythons(findPythons(ctx.env.parent.PATH), env, dir);
          const probes = buildProbes(pythons.map((p) => p.executable));
          // Runs a few at a time (each is a short-lived process), reports in a stable order.
          const outcomes = await mapLimit(probes, 3, (probe) => runProbe(probe, env, dir));
          probes.forEach((probe, i) => {
            const label = pythons.reduce((text, p) => text.replace(p.executable, p.label), probe.label);
            const verdict = judgeProbe(
              probe,
              outcomes[i] as ProbeOutcome,
              target.seen.get(probe.id),
              caBundlePath,
            );
            if (verdict.kind === "ok") ctx.stdout(`✓ ${label}\n`);
            else if (verdict.kind === "missing") ctx.stdout(`- ${label}: skipped (${verdict.detail})\n`);
            else {
              failed++;
              ctx.stdout(`✗ ${label}: ${verdict.problem}\n    fix: ${verdict.fix}\n`);
            }
          });
        } finally {
          await gateway.close();
        }
        ctx.stdout(
          failed === 0
            ? "All runtimes found go through the gateway.\n"
            : `${failed} runtime(s) bypass or distrust the gateway.\n`,
        );
        ctx.exitCode = failed === 0 ? 0 : 1;
      } finally {
        await target.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
}
