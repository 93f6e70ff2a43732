import { z } from "zod";
import { decisionKindSchema, enforcementLevelSchema, roleSchema } from "./enums.ts";

export const reasonSources = ["kill_switch", "access_rule", "policy", "rate_limit", "default"] as const;
export const reasonSourceSchema = z.enum(reasonSources);
export type ReasonSource = z.infer<typeof reasonSourceSchema>;

export const decisionReasonSchema = z.object({
  source: reasonSourceSchema,
  /** Id of the rule, policy, kill switch or limit (a stable name when none was given). */
  id: z.string(),
  /** Rule name within a policy, or the pattern of an access rule. */
  rule: z.string().optional(),
  decision: decisionKindSchema,
  /** One sentence a person reads: "denied: policy `protect-main` rule `never touch main`: …". */
  explanation: z.string(),
});
export type DecisionReason = z.infer<typeof decisionReasonSchema>;

/**
 * The outcome of `evaluate()`. `decision` is what the rules say; `enforced` is
 * what the gateway does after the enforcement level (monitor never blocks; soft
 * lets require_approval through flagged for review; full enforces everything).
 */
export const decisionSchema = z.object({
  decision: decisionKindSchema,
  enforced: decisionKindSchema,
  mode: enforcementLevelSchema,
  /** True when no rule matched and the configured default (deny) applied. */
  default: z.boolean(),
  /** Most relevant first: reasons[0] explains the decision. */
  reasons: z.array(decisionReasonSchema),
  risk_score: z.number().min(0).max(100),
  approval: z
    .object({ timeout_seconds: z.number().int().positive(), approver_roles: z.array(roleSchema) })
    .optional(),
  /** True when soft/monitor mode let through what full mode would stop. */
  flagged: z.boolean(),
  /** Set when a rate limit decided: seconds until a retry may succeed. */
  retry_after_seconds: z.number().int().nonnegative().optional(),
  /** Rules that failed to evaluate; they were skipped, never fatal. */
  errors: z.array(z.object({ id: z.string(), message: z.string() })),
});
export type Decision = z.infer<typeof decisionSchema>;
