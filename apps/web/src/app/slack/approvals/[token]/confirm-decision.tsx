"use client";

import { useState } from "react";
import { formatDateTime } from "../../../../lib/format.ts";

/** What the API's link endpoint shows of an approval. */
export interface LinkApproval {
  id: string;
  status: string;
  gateway_id: string;
  agent: string;
  action_type: string;
  connector: string | null;
  action: { resource: string; parameters: Record<string, unknown>; risk: string };
  rule: string | null;
  reason: string | null;
  risk_score: number | null;
  requested_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  decided_via: string | null;
  note: string | null;
}

type Outcome = { kind: "done"; status: string; outcome: string } | { kind: "failed"; message: string };

/** The approval and one confirmation button: the only step that decides (a POST). */
export function ConfirmDecision({
  token,
  approval,
  decision,
  linkExpiresAt,
}: {
  token: string;
  approval: LinkApproval;
  decision: "approve" | "deny";
  linkExpiresAt: string;
}) {
  const [pending, setPending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const settled = approval.status !== "pending";
  async function confirm() {
    setPending(true);
    try {
      const response = await fetch(`/slack/approvals/${encodeURIComponent(token)}/confirm`, {
        method: "POST",
      });
      const body = (await response.json().catch(() => null)) as {
        outcome?: string;
        approval?: { status: string };
        error?: { code?: string; message?: string; approval?: { status: string } };
      } | null;
      if (response.ok && body?.approval !== undefined) {
        setOutcome({ kind: "done", status: body.approval.status, outcome: body.outcome ?? "decided" });
      } else if (body?.error?.code === "link_used") {
        setOutcome({
          kind: "failed",
          message: `This link was already used; the request is ${body.error.approval?.status ?? "decided"}.`,
        });
      } else if (body?.error?.code === "link_expired") {
        setOutcome({
          kind: "failed",
          message: "This link expired before you confirmed. Nothing was changed.",
        });
      } else {
        setOutcome({
          kind: "failed",
          message: body?.error?.message ?? `TameFlare answered ${response.status}. Nothing was changed.`,
        });
      }
    } catch (error) {
      setOutcome({
        kind: "failed",
        message: `TameFlare could not be reached (${(error as Error).message}). Try again.`,
      });
    } finally {
      setPending(false);
    }
  }
  return (
    <>
      <p className="lead">
        An agent is waiting.{" "}
        {decision === "approve" ? "Approving lets the request through." : "Denying refuses it."} Check what it
        wants to do:
      </p>
      <dl className="kv" style={{ marginBottom: 12 }}>
        <dt>Action</dt>
        <dd>
          <code>{approval.action_type}</code>
        </dd>
        <dt>Agent</dt>
        <dd>{approval.agent}</dd>
        <dt>Resource</dt>
        <dd className="mono">{approval.action.resource || "—"}</dd>
        <dt>Risk</dt>
        <dd>
          {approval.action.risk}
          {approval.risk_score === null ? "" : ` · ${approval.risk_score}`}
        </dd>
        <dt>Held by</dt>
        <dd>
          {approval.rule ?? "—"}
          {approval.reason === null ? "" : ` — ${approval.reason}`}
        </dd>
        <dt>Expires</dt>
        <dd suppressHydrationWarning>{formatDateTime(approval.expires_at)}</dd>
      </dl>
      <details style={{ marginBottom: 14 }}>
        <summary>Parameters</summary>
        <pre className="json">{JSON.stringify(approval.action.parameters, null, 2)}</pre>
      </details>
      {outcome === null ? null : outcome.kind === "done" ? (
        <div
          className={`note ${outcome.status === "approved" ? "success" : "info"}`}
          role="status"
          data-testid="link-outcome"
        >
          {outcome.outcome === "decided"
            ? `Done: the request was ${outcome.status}.`
            : `Nothing to do: the request was already ${outcome.status}.`}
        </div>
      ) : (
        <div className="note error" role="alert" data-testid="link-outcome">
          {outcome.message}
        </div>
      )}
      {settled ? (
        <p className="note info">This request is already {approval.status}.</p>
      ) : outcome === null ? (
        <button
          type="button"
          className={`btn ${decision === "approve" ? "approve" : "danger"}`}
          onClick={() => void confirm()}
          disabled={pending}
          data-testid="confirm-decision"
        >
          {pending ? "Confirming…" : decision === "approve" ? "Confirm: approve" : "Confirm: deny"}
        </button>
      ) : null}
      <p className="hint" style={{ marginTop: 12 }} suppressHydrationWarning>
        Opening this page changed nothing. The link works once
        {linkExpiresAt === "" ? "" : ` and until ${formatDateTime(linkExpiresAt)}`}.
      </p>
    </>
  );
}
