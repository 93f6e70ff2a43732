import { type KillSwitch, killSwitchScopes } from "@tameflare/contracts";
import { type Command, Option } from "commander";
import { deactivateKillSwitch } from "../../local/kill-switch-store.ts";
import type { CliContext } from "../context.ts";

export function registerResume(program: Command, context: () => CliContext): void {
  program
    .command("resume")
    .description("lift kill switches (all of them without options)")
    .addOption(new Option("--scope <scope>", "only switches of this scope").choices(killSwitchScopes))
    .option("--target <name>", "only the switch for this connector or gateway")
    .action(async (options: { scope?: KillSwitch["scope"]; target?: string }) => {
      const ctx = context();
      const count = await deactivateKillSwitch(ctx.env.tfHome, options.scope, options.target);
      ctx.stdout(
        count === 0
          ? "No matching kill switch was active.\n"
          : `Resumed: lifted ${count} kill switch${count === 1 ? "" : "es"}.\n`,
      );
    });
}
