import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type KillSwitch, killSwitchSchema } from "@tameflare/contracts";
import { type Command, InvalidArgumentError } from "commander";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { loadPolicyFile } from "../../config/load.ts";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";
import { formatPolicyErrors } from "../policy-errors.ts";
import {
  compiledFor,
  decideStep,
  type TrialStep,
  trialBatchSchema,
  trialStepSchema,
} from "../policy-trial.ts";
import { locateLoadError } from "./policy-check.ts";
import { defaultAgentName } from "./run.ts";

interface TestOptions {
  config: string;
  action?: unknown;
  request?: string;
  body?: string;
  header: string[];
  agent: string;
  at?: string;
  killSwitch: KillSwitch[];
  batch?: string;
}

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not json: ${(error as Error).message.toLowerCase()}`);
  }
}

function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[]): T[] => [...previous, parse(value)];
}

function killSwitch(value: string): KillSwitch {
  const parsed = killSwitchSchema.safeParse(json(value));
  if (!parsed.success) throw new InvalidArgumentError(firstIssue(parsed.error));
  return parsed.data;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid value";
  const path = issue.path.join(".");
  return `${path === "" ? "" : `${path}: `}${issue.message.toLowerCase()}`;
}

export function registerPolicyTest(policy: Command, context: () => CliContext): void {
  policy
    .command("test")
    .description("decide actions or requests against a policy document and print the decision as JSON")
    .requiredOption("-c, --config <file>", "the policy document")
    .option(
      "--action <json>",
      'an action {"type":"github.pr.merge","parameters":{…}} (other fields default), or a list of them (a batch)',
      json,
    )
    .option("--request <request>", 'a request "METHOD URL", turned into actions by the connectors')
    .option("--body <text>", "the request body (with --request)")
    .option("-H, --header <header>", '"Name: value" (with --request; repeatable)', collect(String), [])
    .option("-a, --agent <name>", "the agent asking", defaultAgentName)
    .option("--at <iso-time>", "decide as of this time (rate limits, time conditions); default now")
    .option(
      "--kill-switch <json>",
      'an active kill switch {"scope":"global"} (repeatable)',
      collect(killSwitch),
      [],
    )
    .option(
      "--batch <file>",
      "a JSON or YAML list of sequences {name?, gateway?, kill_switches?, steps: [{action|actions|request, agent?, at?}]}, each decided on fresh state; prints one JSON line per step",
    )
    .addHelpText(
      "after",
      [
        "",
        "Prints the decision (`decision`, `enforced`, `mode`, the matching `rule` and its `explanation`,",
        "then every field of the Decision). A request with no connector prints `code: no_connector`.",
        "",
        'Example: tf policy test --config tameflare.yaml --request "DELETE https://api.github.com/repos/acme/app"',
      ].join("\n"),
    )
    .action(async (options: TestOptions) => {
      const ctx = context();
      const given = [options.action, options.request, options.batch].filter((v) => v !== undefined).length;
      if (given !== 1) {
        throw new CliError(
          'give exactly one of `--action JSON`, `--request "METHOD URL"` or `--batch FILE`',
          2,
        );
      }
      if (options.request === undefined && (options.body !== undefined || options.header.length > 0)) {
        throw new CliError("`--body` and `--header` go with `--request`", 2);
      }
      const nowMs = options.at === undefined ? Date.now() : Date.parse(options.at);
      if (Number.isNaN(nowMs)) throw new CliError(`invalid time \`${options.at}\`: use an iso timestamp`, 2);

      const path = resolve(ctx.env.cwd, options.config);
      const loaded = await loadPolicyFile(path);
      if (!loaded.ok) {
        let text: string;
        try {
          text = await readFile(path, "utf8");
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            throw new CliError(`file not found: \`${options.config}\``, 2, { cause: error });
          }
          throw error;
        }
        ctx.stderr(
          `${formatPolicyErrors(options.config, text, loaded.errors.map(locateLoadError)).join("\n")}\n`,
        );
        throw new CliError(`\`${options.config}\` is not a valid policy document`, 1);
      }
      const base = {
        compiled: loaded.compiled,
        registry: loaded.registry,
        mode: loaded.document.gateway.enforcement,
        defaultAgent: options.agent,
        nowMs,
      };

      if (options.batch !== undefined) {
        const text = await readFile(resolve(ctx.env.cwd, options.batch), "utf8");
        const parsed = trialBatchSchema.safeParse(parseYaml(text));
        if (!parsed.success) throw new CliError(`\`${options.batch}\`: ${firstIssue(parsed.error)}`, 2);
        for (const [index, sequence] of parsed.data.entries()) {
          const compiled = compiledFor(loaded, sequence.gateway);
          if (typeof compiled === "string") throw new CliError(`sequence ${index}: ${compiled}`);
          let rateState: Parameters<typeof decideStep>[2];
          for (const [stepIndex, step] of sequence.steps.entries()) {
            const decided = decideStep(
              { ...base, compiled, killSwitches: [...options.killSwitch, ...sequence.kill_switches] },
              step,
              rateState,
            );
            rateState = decided.rateState;
            const label =
              sequence.name === undefined ? { sequence: index } : { sequence: index, name: sequence.name };
            ctx.stdout(`${JSON.stringify({ ...label, step: stepIndex, ...decided.output })}\n`);
          }
        }
        return;
      }

      const rawStep =
        options.request !== undefined
          ? { request: requestStep(options.request, options.header, options.body) }
          : Array.isArray(options.action)
            ? { actions: options.action }
            : { action: options.action };
      const step = trialStepSchema.safeParse(rawStep);
      if (!step.success) throw new CliError(`--action: ${firstIssue(step.error)}`, 2);
      const { output } = decideStep({ ...base, killSwitches: options.killSwitch }, step.data, undefined);
      ctx.stdout(`${JSON.stringify(output, null, 2)}\n`);
    });
}

function requestStep(
  request: string,
  headers: readonly string[],
  body: string | undefined,
): TrialStep["request"] {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(request);
  if (!match) throw new CliError(`expected --request "METHOD URL", got \`${request}\``, 2);
  const headerMap: Record<string, string> = {};
  for (const line of headers) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new CliError(`expected a header as "Name: value", got \`${line}\``, 2);
    const name = line.slice(0, colon).trim();
    headerMap[name] =
      headerMap[name] === undefined
        ? line.slice(colon + 1).trim()
        : `${headerMap[name]}, ${line.slice(colon + 1).trim()}`;
  }
  return {
    method: match[1] as string,
    url: match[2] as string,
    headers: headerMap,
    ...(body === undefined ? {} : { body }),
  };
}
