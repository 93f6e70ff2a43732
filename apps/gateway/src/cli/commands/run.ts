import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadPolicyFile } from "../../config/load.ts";
import { runChild } from "../../runtime/spawn-child.ts";
import { CliError } from "../cli-error.ts";
import { chooseConfig } from "../config-file.ts";
import type { CliContext } from "../context.ts";
import { formatPolicyErrors } from "../policy-errors.ts";
import { removeRunRecord, writeRunRecord } from "../runs.ts";
import { locateLoadError } from "./policy-check.ts";

export const agentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const defaultAgentName = "default";

interface RunOptions {
  agent: string;
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** Per-request lines of the gateway's log (`req_… agent=…`): shown with `--verbose` only. */
const requestLine = /^(req_\S+ agent=|policy: loaded )/;

export function registerRun(program: Command, context: () => CliContext): void {
  program
    .command("run")
    .description("run a command with all of its HTTP(S) traffic governed by the gateway")
    .usage("[options] -- <command> [args...]")
    .argument("<command...>", "the agent to run, after `--`")
    .option("-a, --agent <name>", "agent name used in policies and the audit trail", defaultAgentName)
    .option("-c, --config <file>", "policy document (default: ./tameflare.yaml)")
    .option("-q, --quiet", "print none of the gateway's notices")
    .option("--verbose", "also print one line per request")
    .passThroughOptions()
    .addHelpText(
      "after",
      [
        "",
        "The command gets HTTP_PROXY/HTTPS_PROXY (and lower-case twins) pointing at a gateway started",
        "for this run with its own proxy credentials, a CA bundle (system roots + the gateway CA) in",
        "NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO and",
        "AWS_CA_BUNDLE, a Node preload so fetch() and node:https use the proxy, and dummy values for",
        "the connectors' credential variables (the gateway injects the real ones). NO_PROXY is removed:",
        "every request is governed (exclude_domains are tunnelled unread and audited as bypassed).",
        "Its exit code (or 128 + signal) is tf's exit code; SIGTERM/SIGHUP/SIGINT are forwarded.",
        "",
        "Example: tf run --agent billing-bot -- python3 agent.py",
      ].join("\n"),
    )
    .action(async (command: string[], options: RunOptions) => {
      const ctx = context();
      ctx.exitCode = await runCommand(ctx, command, options);
    });
}

async function runCommand(ctx: CliContext, argv: string[], options: RunOptions): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "")
    throw new CliError("missing command: use `tf run -- <command>`", 2);
  if (!agentNamePattern.test(options.agent)) {
    throw new CliError(
      `invalid agent name \`${options.agent}\`: use 1-64 letters, digits, \`.\`, \`_\` or \`-\``,
      2,
    );
  }
  const choice = chooseConfig({ config: options.config, cwd: ctx.env.cwd, tfHome: ctx.env.tfHome });
  if (choice.kind === "connected") return runConnected(ctx, command, args, options);
  const loaded = await loadPolicyFile(choice.path);
  if (!loaded.ok) {
    const text = await readFile(choice.path, "utf8");
    ctx.stderr(`${formatPolicyErrors(choice.path, text, loaded.errors.map(locateLoadError)).join("\n")}\n`);
    throw new CliError(`\`${choice.path}\` is not a valid policy document`, 2);
  }
  // Loaded on use: commands that do not run a gateway start faster without the proxy.
  const [{ startGateway }, { LocalApprovalBroker }, { newAgentPassword, prepareAgentEnv }] =
    await Promise.all([
      import("../../gateway.ts"),
      import("../../local/local-approval-broker.ts"),
      import("../../runtime/agent-env.ts"),
    ]);
  const notice = (line: string) => {
    if (options.quiet || (requestLine.test(line) && !options.verbose)) return;
    ctx.stderr(`tf: ${line}\n`);
  };
  const broker = new LocalApprovalBroker(ctx.env.tfHome, notice);
  const password = newAgentPassword();
  const gateway = await startGateway({
    tfHome: ctx.env.tfHome,
    configPath: choice.path,
    agents: { [options.agent]: password },
    logger: notice,
    logRequests: options.verbose === true && !options.quiet,
    approvalBroker: {
      // Says where a held request waits, so the person at the terminal can decide it.
      create: async (request) => {
        const held = await broker.create(request);
        const actions = request.actions.map((a) => a.type).join(", ");
        notice(
          `held ${actions} for approval ${held.id}: run \`tf approvals approve ${held.id}\` or \`deny\``,
        );
        return held;
      },
      close: () => broker.close(),
    },
  });
  let recorded = false;
  try {
    await writeRunRecord(ctx.env.tfHome, {
      pid: process.pid,
      port: gateway.port,
      agent: options.agent,
      config: choice.path,
      started_at: new Date().toISOString(),
      gateway_id: gateway.auditGatewayId,
    });
    recorded = true;
    const { env } = await prepareAgentEnv({
      tfHome: ctx.env.tfHome,
      parent: ctx.env.parent,
      gateway,
      agent: options.agent,
      password,
      connectors: loaded.document.connectors,
    });
    try {
      const outcome = await runChild(command, args, env, ctx.env.cwd);
      return outcome.exitCode;
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new CliError((error as Error).message, code === "ENOENT" ? 127 : 126, { cause: error });
    }
  } finally {
    await gateway.close();
    if (recorded) await removeRunRecord(ctx.env.tfHome, process.pid);
  }
}

/**
 * `tf run` in connected mode (TF_HOME/gateway.json from `tf init`, no `--config`): the
 * gateway enforces signed bundles from the API, ships its audit spool there, and holds
 * requests for approvals decided in the dashboard.
 */
async function runConnected(
  ctx: CliContext,
  command: string,
  args: string[],
  options: RunOptions,
): Promise<number> {
  const notice = (line: string) => {
    if (options.quiet || (requestLine.test(line) && !options.verbose)) return;
    ctx.stderr(`tf: ${line}\n`);
  };
  const [
    { startGateway },
    { openConnectedMode },
    { ConnectedSetupError },
    { newAgentPassword, prepareAgentEnv },
  ] = await Promise.all([
    import("../../gateway.ts"),
    import("../../connected/connected-mode.ts"),
    import("../../connected/connected-state.ts"),
    import("../../runtime/agent-env.ts"),
  ]);
  let connected: Awaited<ReturnType<typeof openConnectedMode>>;
  try {
    connected = await openConnectedMode({ tfHome: ctx.env.tfHome, logger: notice });
  } catch (error) {
    if (error instanceof ConnectedSetupError) throw new CliError(error.message, 2, { cause: error });
    throw error;
  }
  const { state } = connected.setup;
  const password = newAgentPassword();
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let recorded = false;
  try {
    gateway = await startGateway({
      tfHome: ctx.env.tfHome,
      policySource: connected.policySource,
      auditSink: connected.auditSink,
      gatewayId: state.gateway_id,
      runId: connected.runId,
      agents: { [options.agent]: password },
      logger: notice,
      logRequests: options.verbose === true && !options.quiet,
      approvalBroker: {
        create: async (request) => {
          const held = await connected.approvalBroker.create(request);
          const actions = request.actions.map((a) => a.type).join(", ");
          notice(`held ${actions} for approval ${held.id}: decide it in the dashboard (or Slack)`);
          return held;
        },
        close: () => connected.approvalBroker.close(),
      },
    });
    await writeRunRecord(ctx.env.tfHome, {
      pid: process.pid,
      port: gateway.port,
      agent: options.agent,
      config: `connected: ${state.gateway_name} (${state.api_url})`,
      started_at: new Date().toISOString(),
      gateway_id: gateway.auditGatewayId,
    });
    recorded = true;
    const { env } = await prepareAgentEnv({
      tfHome: ctx.env.tfHome,
      parent: ctx.env.parent,
      gateway,
      agent: options.agent,
      password,
      connectors: connected.policySource.current()?.document.connectors ?? [],
    });
    try {
      const outcome = await runChild(command, args, env, ctx.env.cwd);
      return outcome.exitCode;
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new CliError((error as Error).message, code === "ENOENT" ? 127 : 126, { cause: error });
    }
  } finally {
    await gateway?.close();
    await connected.close();
    if (recorded) await removeRunRecord(ctx.env.tfHome, process.pid);
  }
}
