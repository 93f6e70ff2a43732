/**
 * `@tameflare/policy-engine`: pure (no IO, no clock, no randomness) policy validation,
 * compilation and evaluation. The same code runs in the gateway, the API ("simulate"),
 * the CLI (`tf policy test`) and the browser.
 */
export { activeKillSwitch } from "./active-kill-switch.ts";
export type { CompiledPolicy, CompileOptions, CompileResult } from "./compile.ts";
export { compilePolicy } from "./compile.ts";
export type { PolicyError } from "./errors.ts";
export type { Evaluation, EvaluationContext } from "./evaluate.ts";
export { defaultApproverRoles, evaluate } from "./evaluate.ts";
export { explainDecision } from "./explain.ts";
export { fieldRoots } from "./field.ts";
export type { RateLimitState, TokenBucket } from "./rate-limit.ts";
export { emptyRateLimitState } from "./rate-limit.ts";
export type { ValidationResult } from "./validate.ts";
export { validatePolicyDocument } from "./validate.ts";
export type { YamlResult } from "./yaml.ts";
export { parsePolicyYaml } from "./yaml.ts";
