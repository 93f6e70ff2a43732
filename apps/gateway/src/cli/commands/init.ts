import { isId } from "@tameflare/contracts";
import { type Command, InvalidArgumentError } from "commander";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";

export const defaultApiUrl = "http://127.0.0.1:3000";

function gatewayId(value: string): string {
  if (!isId("gateway", value))
    throw new InvalidArgumentError("expected a gateway id like `gw_…` (from the dashboard)");
  return value;
}

function gatewayToken(value: string): string {
  if (!isId("gatewayToken", value)) {
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
  return url.href;
}

export function registerInit(program: Command, context: () => CliContext): void {
  program
    .command("init")
    .description("register this machine's gateway with a TameFlare control plane (connected mode)")
    .requiredOption("--gateway-id <id>", "the gateway id from the dashboard (gw_…)", gatewayId)
    .requiredOption("--gateway-token <token>", "the one-time gateway token (gwtk_…)", gatewayToken)
    .option("--api-url <url>", "the control plane API", apiUrl, defaultApiUrl)
    .action(() => {
      context();
      throw new CliError(
        "connected mode arrives with the control plane: for now, write a tameflare.yaml and use `tf run --config FILE`",
        2,
      );
    });
}
