import type { Action, Role } from "@tameflare/contracts";

/** What the gateway knows of a held request (no secrets, no bodies). */
export interface ApprovalRequest {
  requestId: string;
  agent: string;
  gatewayId: string;
  actions: Action[];
  /** The rule that asked for approval (`policy/rule` or access rule id). */
  rule: string | null;
  reason: string | null;
  timeoutSeconds: number;
  approverRoles: Role[];
}

export type ApprovalOutcome =
  | { status: "approved"; id: string; by: string; note?: string }
  | { status: "denied"; id: string; by: string; note?: string }
  | { status: "expired"; id: string }
  | { status: "cancelled"; id: string; by: string; note?: string };

export interface HeldApproval {
  id: string;
  expiresAt: string;
  /** Settles once: a human's decision, expiry, or a cancellation. Never rejects. */
  outcome: Promise<ApprovalOutcome>;
  /**
   * Ends the wait from the gateway's side: `denied` when a kill switch rejects it,
   * `cancelled` when the agent went away. A decision that already won is kept.
   */
  cancel(status: "denied" | "cancelled", by: string, note: string): Promise<void>;
}

/**
 * Port: where held requests wait for a human. Local mode: files under TF_HOME decided by
 * `tf approvals`; connected mode: the API (long-poll).
 */
export interface ApprovalBroker {
  create(request: ApprovalRequest): Promise<HeldApproval>;
  close(): Promise<void>;
}
