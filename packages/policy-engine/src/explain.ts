import type { Decision } from "@tameflare/contracts";
import { verb } from "./format.ts";

/**
 * The one sentence `tf` prints and the dashboard shows for a decision: the first
 * reason's explanation, then what the enforcement level did with it, then any rules
 * that failed to evaluate. Total: never throws, even on a malformed decision.
 */
export function explainDecision(decision: Decision): string {
  try {
    let sentence = decision.reasons[0]?.explanation ?? `${verb(decision.decision)}: no reason was recorded`;
    if (decision.enforced !== decision.decision) {
      const what =
        decision.enforced === "allow"
          ? "let through and flagged for review"
          : decision.enforced === "deny"
            ? "denied"
            : "held for approval";
      sentence += ` (${decision.mode} mode: ${what})`;
    } else if (decision.decision === "require_approval" && decision.approval !== undefined) {
      const roles = decision.approval.approver_roles;
      const who =
        roles.length <= 1 ? (roles[0] ?? "nobody") : `${roles.slice(0, -1).join(", ")} or ${roles.at(-1)}`;
      sentence += `; an ${who} has ${decision.approval.timeout_seconds} s to decide`;
    }
    const failed = decision.errors.length;
    if (failed > 0) {
      sentence += `; ${failed} rule${failed === 1 ? "" : "s"} failed to evaluate and ${failed === 1 ? "was" : "were"} skipped`;
    }
    return sentence;
  } catch (cause) {
    return `the decision could not be explained (${cause instanceof Error ? cause.message : "malformed decision"})`;
  }
}
