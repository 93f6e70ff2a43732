import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "./cli-error.ts";

/** Names `tf` looks for in the current directory when `--config` is not given. */
export const defaultConfigNames = ["tameflare.yaml", "tameflare.yml"] as const;

/** Written by `tf init` (connected mode). */
export const connectedStateFile = "gateway.json";

/** The paragraph `tf run` prints when there is nothing to enforce. Exit code 2. */
export const noConfigParagraph = [
  "No policy to enforce. `tf run` needs a policy document: write a tameflare.yaml in this",
  "directory (start from the example in apps/gateway/README.md, then check it with",
  "`tf policy check tameflare.yaml`), or pass one with `tf run --config FILE -- CMD…`, or connect",
  "this machine to a TameFlare control plane with `tf init --gateway-id gw_… --gateway-token gwtk_…`",
  "(the id and the one-time token are shown when you create a gateway in the dashboard).",
].join(" ");

export type ConfigChoice = { kind: "file"; path: string } | { kind: "connected"; stateFile: string };

/**
 * Finds what `tf run` / `tf status` enforce: `--config FILE`, else the connected-mode state
 * from `tf init`, else `./tameflare.yaml`. Throws the paragraph (exit 2) when none.
 */
export function chooseConfig(options: { config?: string; cwd: string; tfHome: string }): ConfigChoice {
  if (options.config !== undefined) {
    const path = resolve(options.cwd, options.config);
    if (!existsSync(path)) throw new CliError(`config file not found: \`${options.config}\``, 2);
    return { kind: "file", path };
  }
  // After `tf init` this machine's gateway is governed by the control plane: a stray
  // ./tameflare.yaml does not silently replace the dashboard's policies (use --config for that).
  const stateFile = join(options.tfHome, connectedStateFile);
  if (existsSync(stateFile)) return { kind: "connected", stateFile };
  for (const name of defaultConfigNames) {
    const path = join(options.cwd, name);
    if (existsSync(path)) return { kind: "file", path };
  }
  throw new CliError(noConfigParagraph, 2, { plain: true });
}
