import type { Metadata } from "next";
import type { ReactNode } from "react";
import { readWebEnv } from "../../../../env.ts";
import { apiFetch } from "../../../../server/api-fetch.ts";
import { ConfirmDecision, type LinkApproval } from "./confirm-decision.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approval request", robots: { index: false, follow: false } };

type LinkAnswer =
  | { kind: "open"; approval: LinkApproval; decision: "approve" | "deny"; linkExpiresAt: string }
  | { kind: "used"; approval: LinkApproval | null }
  | { kind: "expired" }
  | { kind: "invalid" }
  | { kind: "gone" }
  | { kind: "unavailable"; message: string };

/**
 * Reads what the signed link proposes from the API (`GET /slack/approvals/:token`, which changes
 * nothing: link previewers and scanners cannot decide). Only the button's POST decides.
 */
async function readLink(token: string): Promise<LinkAnswer> {
  const { API_URL } = readWebEnv();
  let response: Response;
  try {
    response = await apiFetch()(new URL(`/slack/approvals/${encodeURIComponent(token)}`, API_URL));
  } catch (cause) {
    console.error("[web] slack link: the API could not be reached", cause);
    return {
      kind: "unavailable",
      message: "TameFlare could not be reached. Try the link again in a minute.",
    };
  }
  const body = (await response.json().catch(() => null)) as {
    approval?: LinkApproval;
    proposed_decision?: "approve" | "deny";
    link_expires_at?: string;
    error?: { code?: string; message?: string; approval?: LinkApproval };
  } | null;
  if (response.ok && body?.approval !== undefined && body.proposed_decision !== undefined) {
    return {
      kind: "open",
      approval: body.approval,
      decision: body.proposed_decision,
      linkExpiresAt: body.link_expires_at ?? "",
    };
  }
  const code = body?.error?.code;
  if (code === "link_used") return { kind: "used", approval: body?.error?.approval ?? null };
  if (code === "link_expired") return { kind: "expired" };
  if (code === "invalid_link") return { kind: "invalid" };
  if (code === "not_found") return { kind: "gone" };
  return { kind: "unavailable", message: body?.error?.message ?? `the API answered ${response.status}` };
}

function Frame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="card" style={{ width: "min(560px, 100%)" }}>
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          TameFlare
        </span>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export default async function SlackApprovalPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const answer = await readLink(token);
  switch (answer.kind) {
    case "open":
      return (
        <Frame title={answer.decision === "approve" ? "Approve this request?" : "Deny this request?"}>
          <ConfirmDecision
            token={token}
            approval={answer.approval}
            decision={answer.decision}
            linkExpiresAt={answer.linkExpiresAt}
          />
        </Frame>
      );
    case "used":
      return (
        <Frame title="This link was already used">
          <p className="lead" data-testid="link-state" data-state="used">
            Each Slack link works once.
            {answer.approval === null
              ? ""
              : ` The request (${answer.approval.action_type}) is ${answer.approval.status}${answer.approval.decided_by === null ? "" : ` — decided by ${answer.approval.decided_by}`}.`}
          </p>
          <a className="btn" href="/approvals">
            Open the approvals inbox
          </a>
        </Frame>
      );
    case "expired":
      return (
        <Frame title="This link has expired">
          <p className="lead" data-testid="link-state" data-state="expired">
            The request it was for timed out, so the agent was already told no. Nothing was changed.
          </p>
          <a className="btn" href="/approvals">
            Open the approvals inbox
          </a>
        </Frame>
      );
    case "invalid":
      return (
        <Frame title="This link is not valid">
          <p className="lead" data-testid="link-state" data-state="invalid">
            The link is damaged or was not issued by TameFlare (its signature does not match). Nothing was
            changed. Open the approval from the inbox instead.
          </p>
          <a className="btn" href="/approvals">
            Open the approvals inbox
          </a>
        </Frame>
      );
    case "gone":
      return (
        <Frame title="This request no longer exists">
          <p className="lead" data-testid="link-state" data-state="gone">
            Nothing was changed.
          </p>
        </Frame>
      );
    case "unavailable":
      return (
        <Frame title="Cannot open this link right now">
          <p className="lead" data-testid="link-state" data-state="unavailable">
            {answer.message}
          </p>
        </Frame>
      );
  }
}
