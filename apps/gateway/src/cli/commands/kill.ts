import { randomBytes } from "node:crypto";
import { type KillSwitch, killSwitchScopes, makeId } from "@tameflare/contracts";
import { type Command, Option } from "commander";
import { activateKillSwitch } from "../../local/kill-switch-store.ts";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";
import { localActor } from "../whoami.ts";

/** Describes a kill switch for people: `scope: connector stripe`. */
export function describeKillSwitch(ks: Pick<KillSwitch, "scope" | "target" | "reason">): string {
  const scope = ks.target === undefined ? `scope: ${ks.scope}` : `scope: ${ks.scope} ${ks.target}`;
  return ks.reason === undefined ? scope : `${scope}, reason: ${ks.reason}`;
}

export function registerKill(program: Command, context: () => CliContext): void {
  program
    .command("kill")
    .description(
      "stop all governed traffic now (every tf run on this machine applies it to its next request)",
    )
    .addOption(new Option("--scope <scope>", "what to stop").choices(killSwitchScopes).default("global"))
    .option("--target <name>", "the connector name (scope connector) or gateway name (scope gateway)")
    .option("--reason <text>", "why (recorded and shown to the agent)")
    .option("--by <name>", "who activated it (default: local:<your user>)")
    .action(
      async (options: { scope: KillSwitch["scope"]; target?: string; reason?: string; by?: string }) => {
        const ctx = context();
        if (options.scope !== "global" && options.target === undefined) {
          throw new CliError(`scope \`${options.scope}\` needs \`--target\``, 2);
        }
        if (options.scope === "global" && options.target !== undefined) {
          throw new CliError("scope `global` takes no `--target`", 2);
        }
        const ks: KillSwitch = {
          id: makeId("killSwitch", randomBytes(12)),
          scope: options.scope,
          ...(options.target === undefined ? {} : { target: options.target }),
          ...(options.reason === undefined ? {} : { reason: options.reason }),
          activated_by: options.by ?? localActor(),
          activated_at: new Date().toISOString(),
        };
        await activateKillSwitch(ctx.env.tfHome, ks);
        ctx.stdout(`Kill switch: ACTIVE (${describeKillSwitch(ks)})\n`);
      },
    );
}
