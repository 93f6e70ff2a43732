"use client";

import { type Role, roles } from "@tameflare/contracts";
import { defaultApproverRoles } from "@tameflare/policy-engine";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { useSession } from "../../../components/session.tsx";
import { usePendingApprovals } from "../../../components/shell.tsx";
import {
  Badge,
  DecisionBadge,
  EmptyState,
  ErrorNote,
  Loading,
  Note,
  PageHeader,
  RelativeTime,
  Tabs,
  useNow,
} from "../../../components/ui.tsx";
import { api, type Outputs } from "../../../lib/api.ts";
import { formatDateTime, timeLeft } from "../../../lib/format.ts";
import { useApi, useMutation } from "../../../lib/use-api.ts";

type Approval = Outputs["approvals"]["list"][number];

const rank = (r: Role) => roles.length - 1 - roles.indexOf(r);

/** The lowest role that may decide (the API's rule, approvals-service `canDecide`): at least member. */
function lowestDecider(approverRoles: readonly Role[]): Role {
  const listed = approverRoles.length > 0 ? approverRoles : defaultApproverRoles;
  const lowest = Math.max(Math.min(...listed.map(rank)), rank("member"));
  return roles[roles.length - 1 - lowest] ?? "owner";
}

function canDecide(role: Role, approverRoles: readonly Role[]): boolean {
  return rank(role) >= rank(lowestDecider(approverRoles));
}

function riskTone(score: number | null, level: string): string {
  if ((score ?? 0) >= 70 || level === "high") return "deny";
  if ((score ?? 0) >= 40 || level === "medium") return "hold";
  return "";
}

function ApprovalCard({
  approval,
  gatewayName,
  now,
}: {
  approval: Approval;
  gatewayName: string;
  now: number;
}) {
  const { orgId, role } = useSession();
  const [note, setNote] = useState("");
  const [outcome, setOutcome] = useState<string | null>(null);
  const decide = useMutation(
    (decision: "approve" | "deny") =>
      api.approvals.decide.mutate({
        orgId,
        approvalId: approval.id,
        decision,
        via: "dashboard",
        ...(note.trim() === "" ? {} : { note: note.trim() }),
      }),
    {
      invalidates: ["approvals.", "audit."],
      onSuccess: (r) =>
        setOutcome(
          r.outcome === "decided"
            ? `${r.approval.status === "approved" ? "Approved" : "Denied"}: the agent's request ${r.approval.status === "approved" ? "goes through" : "is refused"} now.`
            : r.outcome === "expired"
              ? "Too late: this approval expired before your decision."
              : `Already ${r.approval.status}${r.approval.decidedBy === null ? "" : " by someone else"}.`,
        ),
    },
  );
  const left = timeLeft(approval.expiresAt, now);
  const urgent = Date.parse(approval.expiresAt) - now < 60_000;
  const allowed = canDecide(role, approval.approverRoles);
  const noteId = `note-${approval.id}`;
  return (
    <article
      className="card approval"
      aria-labelledby={`title-${approval.id}`}
      data-testid="approval-card"
      data-approval-id={approval.id}
    >
      <div className="approval-head">
        <h2 id={`title-${approval.id}`} className="approval-action">
          {approval.actionType}
        </h2>
        <span className={`countdown ${urgent ? "urgent" : ""}`} suppressHydrationWarning>
          {left === "expired" ? "expired" : `${left} left`}
        </span>
      </div>
      <dl className="kv" style={{ margin: "10px 0" }}>
        <dt>Agent</dt>
        <dd>{approval.agent}</dd>
        <dt>Gateway</dt>
        <dd>{gatewayName}</dd>
        <dt>Resource</dt>
        <dd className="mono">{approval.action.resource || "—"}</dd>
        <dt>Risk</dt>
        <dd>
          <Badge tone={riskTone(approval.riskScore, approval.action.risk)}>
            {approval.action.risk}
            {approval.riskScore === null ? "" : ` · ${approval.riskScore}`}
          </Badge>
        </dd>
        <dt>Held by</dt>
        <dd>
          {approval.rule === null ? (
            <span className="faint">no rule recorded</span>
          ) : (
            <code>{approval.rule}</code>
          )}
          {approval.reason === null ? null : <div className="muted">{approval.reason}</div>}
        </dd>
        <dt>Requested</dt>
        <dd>
          <RelativeTime iso={approval.requestedAt} /> · request <code>{approval.requestId}</code>
        </dd>
        <dt>Who may decide</dt>
        <dd>
          {(approval.approverRoles.length > 0 ? approval.approverRoles : defaultApproverRoles).join(", ")}
        </dd>
      </dl>
      <details>
        <summary>Parameters</summary>
        <pre className="json">{JSON.stringify(approval.action.parameters, null, 2)}</pre>
      </details>
      <ErrorNote failure={decide.failure} />
      {outcome === null ? null : (
        <Note kind={outcome.startsWith("Approved") ? "success" : "info"}>{outcome}</Note>
      )}
      {allowed ? (
        <form
          style={{ marginTop: 12 }}
          onSubmit={(e) => e.preventDefault()}
          aria-label={`Decide ${approval.actionType}`}
        >
          <div className="field">
            <label htmlFor={noteId}>Note (optional)</label>
            <input
              id={noteId}
              type="text"
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="Why: recorded with your decision"
            />
          </div>
          <div className="inline-form">
            <button
              type="button"
              className="btn approve"
              disabled={decide.pending || outcome !== null}
              onClick={() => void decide.run("approve")}
            >
              Approve
            </button>
            <button
              type="button"
              className="btn danger"
              disabled={decide.pending || outcome !== null}
              onClick={() => void decide.run("deny")}
            >
              Deny
            </button>
          </div>
        </form>
      ) : (
        <p className="hint" style={{ marginTop: 10 }} data-testid="cannot-decide">
          You can see this request; deciding it needs the {lowestDecider(approval.approverRoles)} role or
          higher (you are {role}).
        </p>
      )}
    </article>
  );
}

function History() {
  const { orgId } = useSession();
  const all = useApi(
    `approvals.list/${orgId}/all`,
    () => api.approvals.list.query({ orgId, status: "all", limit: 200 }),
    {
      intervalMs: 5000,
    },
  );
  const members = useApi(`members.list/${orgId}`, () => api.members.list.query({ orgId }));
  const who = (id: string | null) =>
    id === null ? "—" : (members.data?.find((m) => m.userId === id)?.user.email ?? id);
  if (all.data === undefined) return all.failure === null ? <Loading /> : <ErrorNote failure={all.failure} />;
  const decided = all.data.filter((a) => a.status !== "pending");
  if (decided.length === 0) return <p className="muted">No decisions yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Action</th>
            <th>Agent</th>
            <th>Outcome</th>
            <th>By</th>
            <th className="hide-phone">Via</th>
            <th className="hide-phone">Note</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {decided.map((a) => (
            <tr key={a.id}>
              <td className="mono">{a.actionType}</td>
              <td>{a.agent}</td>
              <td>
                <span className={`badge ${a.status}`}>{a.status}</span>
              </td>
              <td>{who(a.decidedBy)}</td>
              <td className="hide-phone">{a.decidedVia ?? "—"}</td>
              <td className="hide-phone">{a.note ?? <span className="faint">—</span>}</td>
              <td className="nowrap" title={formatDateTime(a.decidedAt)}>
                <RelativeTime iso={a.decidedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function ApprovalsPage() {
  const { orgId } = useSession();
  const [tab, setTab] = useState<"pending" | "history">("pending");
  const pending = usePendingApprovals();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const now = useNow(1000);
  const nameOf = (id: string) => gateways.data?.find((g) => g.id === id)?.name ?? id;
  // Announce arrivals to screen readers: the list updates without a reload.
  const seen = useRef<Set<string> | null>(null);
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    if (pending.data === undefined) return;
    const ids = new Set(pending.data.map((a) => a.id));
    if (seen.current !== null) {
      const fresh = pending.data.filter((a) => !seen.current?.has(a.id));
      if (fresh.length > 0)
        setAnnouncement(`New approval request: ${fresh.map((a) => a.actionType).join(", ")}`);
    }
    seen.current = ids;
  }, [pending.data]);
  const list = pending.data ?? [];
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Requests held for a human. The agent waits on the line until you decide or the time runs out; this page updates by itself."
      />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <Tabs
        label="Approvals"
        value={tab}
        onChange={setTab}
        tabs={[
          { id: "pending", label: `Pending${list.length > 0 ? ` (${list.length})` : ""}` },
          { id: "history", label: "History" },
        ]}
      />
      {tab === "pending" ? (
        <>
          <ErrorNote failure={pending.failure} />
          {pending.data === undefined ? (
            <Loading />
          ) : list.length === 0 ? (
            <EmptyState
              title="Nothing is waiting for you"
              action={<Link href="/policies">Review policies</Link>}
            >
              When an access rule or a policy says <DecisionBadge decision="require_approval" />, the agent's
              request waits here with its parameters and the rule that held it. Slack can notify your team too
              (Settings → Slack).
            </EmptyState>
          ) : (
            <div className="stack" data-testid="approvals-pending">
              {list.map((a) => (
                <ApprovalCard key={a.id} approval={a} gatewayName={nameOf(a.gatewayId)} now={now} />
              ))}
            </div>
          )}
        </>
      ) : (
        <History />
      )}
    </>
  );
}
