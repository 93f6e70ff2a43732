import { isId } from "@tameflare/contracts";
import { type Command, InvalidArgumentError } from "commander";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";

export const defaultApiUrl = "http://127.0.0.1:4000";

function gatewayId(value: string): string {
  if (!isId("gateway", value))
    throw new InvalidArgumentError("expected a gateway id like `gw_…` (from the dashboard)");
  return value;
}

/** Gateway tokens are `gwtk_` + 43 base64url characters (shown once in the dashboard). */
const gatewayTokenPattern = /^gwtk_[A-Za-z0-9_-]{8,128}$/;

function gatewayToken(value: string): string {
  if (!gatewayTokenPattern.test(value)) {
    throw new InvalidArgumentError("expected a gateway token like `gwtk_…` (shown once in the dashboard)");
  }
  return value;
}

function apiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new InvalidArgumentError(`not a url: ${(error as Error).message.toLowerCase()}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InvalidArgumentError("expected an http(s) url");
  return url.href.replace(/\/+$/, "");
}

interface InitOptions {
  gatewayId: string;
  gatewayToken: string;
  apiUrl: string;
}

export function registerInit(program: Command, context: () => CliContext): void {
  program
    .command("init")
    .description("register this machine's gateway with a TameFlare control plane (connected mode)")
    .requiredOption("--gateway-id <id>", "the gateway id from the dashboard (gw_…)", gatewayId)
    .requiredOption("--gateway-token <token>", "the one-time gateway token (gwtk_…)", gatewayToken)
    .option("--api-url <url>", "the control plane API", apiUrl, defaultApiUrl)
    .addHelpText(
      "after",
      [
        "",
        "Makes this gateway's keys here (private keys stay in TF_HOME/keys, mode 0600), sends their",
        "public halves to the API, and pins the API's bundle-signing key in TF_HOME/gateway.json.",
        "Afterwards `tf run -- CMD` (without --config) enforces the signed policy bundles of this",
        "gateway from the dashboard. Running it again replaces the keys.",
      ].join("\n"),
    )
    .action(async (options: InitOptions) => {
      const ctx = context();
      // Loaded on use: the other commands start faster without jose and the connected mode.
      const { initConnectedGateway } = await import("../../connected/init-gateway.ts");
      const result = await initConnectedGateway({
        tfHome: ctx.env.tfHome,
        gatewayId: options.gatewayId,
        token: options.gatewayToken,
        apiUrl: options.apiUrl,
      });
      if (!result.ok) throw new CliError(result.message, 1);
      ctx.stdout(`${result.lines.join("\n")}\n`);
    });
}
