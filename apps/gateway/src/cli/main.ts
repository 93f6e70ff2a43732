#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { readCliEnv } from "./cli-env.ts";
import { errorLine } from "./cli-error.ts";
import { registerApprovals } from "./commands/approvals.ts";
import { registerCa } from "./commands/ca.ts";
import { registerDoctor } from "./commands/doctor.ts";
import { registerInit } from "./commands/init.ts";
import { registerKill } from "./commands/kill.ts";
import { registerLogs } from "./commands/logs.ts";
import { registerPolicy } from "./commands/policy.ts";
import { registerResume } from "./commands/resume.ts";
import { registerRun } from "./commands/run.ts";
import { registerStatus } from "./commands/status.ts";
import type { CliContext } from "./context.ts";

/** The `tf` program with every command registered. */
export function buildProgram(context: () => CliContext): Command {
  const program = new Command("tf")
    .description(
      "TameFlare: govern an AI agent's HTTP(S) traffic with policies, approvals and an audit trail",
    )
    .version("0.1.0", "-v, --version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context().stdout(text),
      writeErr: (text) => context().stderr(text),
    });
  registerRun(program, context);
  registerStatus(program, context);
  registerLogs(program, context);
  registerApprovals(program, context);
  registerKill(program, context);
  registerResume(program, context);
  registerPolicy(program, context);
  registerDoctor(program, context);
  registerCa(program, context);
  registerInit(program, context);
  for (const command of program.commands) inheritOverrides(command);
  return program;
}

function inheritOverrides(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) inheritOverrides(sub);
}

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `tf` with `argv` (user arguments only) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  let context: CliContext | undefined;
  const getContext = (): CliContext => {
    if (context === undefined) {
      context = { env: readCliEnv(), stdout: output.stdout, stderr: output.stderr, exitCode: 0 };
    }
    return context;
  };
  try {
    const program = buildProgram(getContext);
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: "user" });
    return context?.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its one-line message (or the help / version).
      return error.exitCode;
    }
    output.stderr(`${errorLine(error)}\n`);
    const code = (error as { exitCode?: unknown }).exitCode;
    return typeof code === "number" && code > 0 ? code : 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

if (isEntryPoint()) {
  const code = await runCli(process.argv.slice(2));
  process.exit(code);
}
