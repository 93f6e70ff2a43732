import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { loadPolicyFile } from "../../config/load.ts";
import { listApprovals } from "../../local/approvals-store.ts";
import { readKillSwitches } from "../../local/kill-switch-store.ts";
import { connectedStateFile, defaultConfigNames } from "../config-file.ts";
import type { CliContext } from "../context.ts";
import { readRunningGateways } from "../runs.ts";
import { renderTable } from "../table.ts";
import { describeKillSwitch } from "./kill.ts";

export function registerStatus(program: Command, context: () => CliContext): void {
  program
    .command("status")
    .description("running gateways, kill switch, pending approvals and config validity")
    .option("-c, --config <file>", "policy document to check (default: ./tameflare.yaml)")
    .action(async (options: { config?: string }) => {
      const ctx = context();
      const { tfHome, cwd } = ctx.env;
      const lines: string[] = [`TF_HOME: ${tfHome}`];

      const runs = await readRunningGateways(tfHome);
      if (runs.length === 0) {
        lines.push("Gateways: none running");
      } else {
        lines.push(`Gateways: ${runs.length} running`);
        const rows = runs.map((r) => [
          String(r.pid),
          `127.0.0.1:${r.port}`,
          r.agent ?? "",
          r.gateway_id,
          r.started_at,
          r.config ?? "",
        ]);
        lines.push(indent(renderTable(["PID", "LISTEN", "AGENT", "GATEWAY", "STARTED", "CONFIG"], rows)));
      }

      const switches = await readKillSwitches(tfHome);
      if (switches.length === 0) lines.push("Kill switch: off");
      for (const ks of switches) lines.push(`Kill switch: ACTIVE (${describeKillSwitch(ks)})`);

      const pending = (await listApprovals(tfHome)).filter((a) => a.status === "pending");
      lines.push(`Pending approvals: ${pending.length}${pending.length > 0 ? " (tf approvals list)" : ""}`);

      const connected = options.config === undefined && existsSync(join(tfHome, connectedStateFile));
      const configPath = connected
        ? undefined
        : options.config !== undefined
          ? resolve(cwd, options.config)
          : defaultConfigNames.map((n) => join(cwd, n)).find((p) => existsSync(p));
      if (connected) {
        const { describeConnectedMode } = await import("../../connected/connected-status.ts");
        lines.push(...(await describeConnectedMode(tfHome)));
      } else if (configPath === undefined) {
        lines.push("Config: none (no ./tameflare.yaml; see `tf run --help`)");
      } else if (!existsSync(configPath)) {
        lines.push(`Config: ${options.config}: not found`);
      } else {
        const loaded = await loadPolicyFile(configPath);
        const shown = relative(cwd, configPath) || configPath;
        lines.push(
          loaded.ok
            ? `Config: ${shown}: valid`
            : `Config: ${shown}: INVALID, ${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"} (tf policy check ${shown})`,
        );
      }
      ctx.stdout(`${lines.join("\n")}\n`);
    });
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
