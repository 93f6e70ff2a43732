import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { registerPolicyCheck } from "./policy-check.ts";
import { registerPolicyTest } from "./policy-test.ts";

export function registerPolicy(program: Command, context: () => CliContext): void {
  const policy = program
    .command("policy")
    .description("check a policy document and try requests against it, offline");
  registerPolicyCheck(policy, context);
  registerPolicyTest(policy, context);
}
