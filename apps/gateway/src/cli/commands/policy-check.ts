import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadPolicyFile } from "../../config/load.ts";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";
import { formatPolicyErrors, type PolicyErrorLike } from "../policy-errors.ts";

/** YAML syntax errors carry their position in the message; other errors are located by path. */
export function locateLoadError(error: { path: string; message: string }): PolicyErrorLike {
  const firstLine = error.message.split("\n")[0] ?? error.message;
  const line = error.path === "" ? /\bline (\d+)/.exec(error.message)?.[1] : undefined;
  return {
    path: error.path,
    message: firstLine.trim(),
    ...(line === undefined ? {} : { line: Number(line) }),
  };
}

export function registerPolicyCheck(policy: Command, context: () => CliContext): void {
  policy
    .command("check <file>")
    .description("validate a policy document: prints `FILE:LINE: path: message` per error, exit 1 on errors")
    .action(async (file: string) => {
      const ctx = context();
      const path = resolve(ctx.env.cwd, file);
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(
          code === "ENOENT" ? `file not found: \`${file}\`` : `cannot read \`${file}\`: ${code}`,
          2,
          {
            cause: error,
          },
        );
      }
      const loaded = await loadPolicyFile(path);
      if (loaded.ok) {
        const d = loaded.document;
        ctx.stdout(
          `${file}: ok (${d.connectors.length} connector${d.connectors.length === 1 ? "" : "s"}, ` +
            `${d.access_rules.length} access rule${d.access_rules.length === 1 ? "" : "s"}, ` +
            `${d.policies.length} polic${d.policies.length === 1 ? "y" : "ies"}, enforcement ${d.gateway.enforcement})\n`,
        );
        return;
      }
      ctx.stderr(`${formatPolicyErrors(file, text, loaded.errors.map(locateLoadError)).join("\n")}\n`);
      ctx.exitCode = 1;
    });
}
