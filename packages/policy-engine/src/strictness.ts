import type { DecisionKind } from "@tameflare/contracts";

const rank: Record<DecisionKind, number> = { allow: 0, require_approval: 1, deny: 2 };

/** How strict a decision is: deny (2) > require_approval (1) > allow (0). */
export function strictness(decision: DecisionKind): number {
  return rank[decision];
}

/** The stricter of two decisions (deny wins over require_approval over allow). */
export function stricter(a: DecisionKind, b: DecisionKind): DecisionKind {
  return rank[a] >= rank[b] ? a : b;
}
