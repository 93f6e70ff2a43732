"use client";

import { type PageReviewPlan, type PageReviewReason, pageReviewInput, planPageReview } from "@tameflare/api";
import { auditOutcomes } from "@tameflare/contracts";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { useSession } from "../../../components/session.tsx";
import {
  Badge,
  DecisionBadge,
  Drawer,
  EmptyState,
  ErrorNote,
  Field,
  Loading,
  Note,
  PageHeader,
  RelativeTime,
} from "../../../components/ui.tsx";
import { api, type Outputs } from "../../../lib/api.ts";
import {
  type AuditOutcome,
  type AuditView,
  auditFilters,
  auditListKey,
  auditPageSize,
  auditRanges,
  auditViewQuery,
  exportHref,
  readAuditView,
  unreviewedCountFilters,
  unreviewedCountKey,
} from "../../../lib/audit-filters.ts";
import { decisionLabels, formatCount, formatDateTime } from "../../../lib/format.ts";
import { useApi, useMutation } from "../../../lib/use-api.ts";

type AuditEvent = Outputs["audit"]["list"]["events"][number];

/** The gateway an event belongs to (`gateway_id` may carry the chain's run suffix `gw_…:run`). */
function gatewayOf(e: { gateway_id: string }): string {
  return e.gateway_id.split(":")[0] ?? e.gateway_id;
}

/** The run part of a chain id (`gw_…:<run>`), or the chain id itself for a gateway's unsuffixed chain. */
function runOf(chainId: string): string {
  const colon = chainId.indexOf(":");
  return colon === -1 ? chainId : chainId.slice(colon + 1);
}

/** The audit log: filters from the URL, a keyset-paged table, the event drawer, review marks. */
export function AuditLog() {
  const { orgId, can } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const query = params.toString();
  const view = useMemo(() => readAuditView(new URLSearchParams(query)), [query]);
  const go = (next: Partial<AuditView>, replace = false) => {
    const href = `/audit${auditViewQuery({ ...view, ...next })}`;
    if (replace) router.replace(href, { scroll: false });
    else router.push(href, { scroll: false });
  };
  const gateways = useApi(`gateways.list/${orgId}/all`, () =>
    api.gateways.list.query({ orgId, includeRevoked: true }),
  );
  const nameOf = (id: string) => gateways.data?.find((g) => g.id === id)?.name ?? id;

  const page = useApi(auditListKey(orgId, view), async () => {
    const filters = auditFilters(view, Date.now(), auditPageSize);
    if (!filters.ok) throw new Error(`filter ${filters.message}`);
    return { ...(await api.audit.list.query({ orgId, ...filters.filters })), filters: filters.filters };
  });
  const exportFilters = useMemo(
    () => auditFilters({ ...view, cursor: "" }, Date.now(), auditPageSize),
    [view],
  );

  // Side queries start once the page's rows are there: they never hold back the first render.
  const rowsShown = page.data !== undefined;
  // Each row's review state comes with it from `audit.list` (the API's own rule, over every
  // mark); the members list only puts a name on the reviewer in the badge's tooltip.
  const anyReviewed = page.data?.events.some((e) => e.reviewed) === true;
  const members = useApi(!anyReviewed ? null : `members.list/${orgId}`, () =>
    api.members.list.query({ orgId }),
  );
  const reviewer = (userId: string | null) =>
    userId === null ? "someone" : (members.data?.find((m) => m.userId === userId)?.user.email ?? userId);
  // How many events of the view's filters (time range, agent, …) nobody has reviewed: counted
  // by the API over every matching event, not just this page.
  const unreviewed = useApi(!rowsShown ? null : unreviewedCountKey(orgId, view), async () => {
    const filters = auditFilters({ ...view, cursor: "", unreviewed: false }, Date.now(), auditPageSize);
    if (!filters.ok) throw new Error(`filter ${filters.message}`);
    return api.audit.unreviewedCount.query({ orgId, ...unreviewedCountFilters(filters.filters) });
  });

  const events = page.data?.events ?? [];
  // The switch answers at once; the URL (which selects the rows, and can be shared) follows.
  const [unreviewedOnly, setUnreviewedOnly] = useState(view.unreviewed);
  useEffect(() => setUnreviewedOnly(view.unreviewed), [view.unreviewed]);
  const narrowed =
    view.range !== "all" ||
    view.agent !== "" ||
    view.connector !== "" ||
    view.action !== "" ||
    view.decision.length > 0 ||
    view.status !== "";
  const filtered = narrowed || view.unreviewed;

  return (
    <>
      <PageHeader
        title={view.gateway === "" ? "Audit log" : `Audit log · ${nameOf(view.gateway)}`}
        description="Every request your agents made, newest first. Filters live in the address: share the link to share the view."
        actions={
          exportFilters.ok ? (
            <>
              <a className="btn" href={exportHref(orgId, exportFilters.filters, "csv")} download>
                Export CSV
              </a>
              <a className="btn" href={exportHref(orgId, exportFilters.filters, "jsonl")} download>
                Export JSONL
              </a>
            </>
          ) : undefined
        }
      />
      <FilterBar
        view={view}
        gateways={gateways.data ?? []}
        onApply={(next) => go({ ...next, cursor: "", event: "" })}
      />

      <div className="toolbar">
        <div className="inline-form">
          <label className="switch">
            <input
              type="checkbox"
              checked={unreviewedOnly}
              onChange={(e) => {
                setUnreviewedOnly(e.target.checked);
                go({ unreviewed: e.target.checked, cursor: "", event: "" }, true);
              }}
              data-testid="unreviewed-toggle"
            />
            Only unreviewed
          </label>
          <span className="muted" data-testid="unreviewed-count">
            {unreviewed.data === undefined
              ? unreviewed.failure === null
                ? "counting unreviewed events…"
                : "unreviewed count unavailable"
              : `${formatCount(unreviewed.data.count)} event${unreviewed.data.count === 1 ? "" : "s"} nobody has reviewed${narrowed ? " in this view" : view.gateway === "" ? "" : " on this gateway"}`}
          </span>
        </div>
        {view.gateway === "" ? (
          <span className="hint">
            Pick a gateway to verify its hash chain or mark the events shown reviewed.
          </span>
        ) : (
          <ChainStatus key={view.gateway} gatewayId={view.gateway} />
        )}
      </div>
      {view.gateway !== "" && can("member") && events.length > 0 ? (
        <MarkPage
          // A new page or view starts a new form (and forgets the last "marked" note).
          key={auditListKey(orgId, view)}
          gatewayId={view.gateway}
          events={events.filter((e) => gatewayOf(e) === view.gateway)}
          filtered={filtered}
        />
      ) : null}

      <ErrorNote failure={page.failure} />
      {page.data === undefined ? (
        page.failure === null ? (
          <Loading label="Loading events…" />
        ) : null
      ) : events.length === 0 && view.cursor === "" ? (
        view.unreviewed && !narrowed ? (
          <EmptyState
            title="Nothing is waiting for review"
            action={
              <Link href={`/audit${view.gateway === "" ? "" : `?gateway=${view.gateway}`}`}>
                Show all events
              </Link>
            }
          >
            Every event {view.gateway === "" ? "of this organization" : "of this gateway"} is covered by a
            review mark.
          </EmptyState>
        ) : filtered ? (
          <EmptyState
            title="No events match these filters"
            action={
              <Link href={`/audit${view.gateway === "" ? "" : `?gateway=${view.gateway}`}`}>
                Clear the filters
              </Link>
            }
          >
            Widen the time range or remove a filter.
          </EmptyState>
        ) : (
          <EmptyState title="No events yet" action={<Link href="/gateways">Gateways</Link>}>
            Events appear here seconds after an agent makes a call through a gateway: run{" "}
            <code>tf run -- your-agent</code> on a machine where <code>tf init</code> has registered one.
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table data-testid="audit-table">
              <caption className="visually-hidden">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th>Time</th>
                  {view.gateway === "" ? <th className="hide-phone">Gateway</th> : null}
                  <th>Agent</th>
                  <th>Action</th>
                  <th>Decision</th>
                  <th className="num hide-phone">Status</th>
                  <th className="hide-phone">Request</th>
                  <th className="hide-phone">Reviewed</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr
                    key={e.id}
                    className="clickable"
                    data-testid="audit-row"
                    data-decision={e.decision}
                    tabIndex={0}
                    onClick={() => go({ event: e.id }, true)}
                    onKeyDown={(k) => {
                      if (k.key === "Enter" || k.key === " ") {
                        k.preventDefault();
                        go({ event: e.id }, true);
                      }
                    }}
                    aria-label={`${e.action_type ?? e.method} by ${e.agent}: ${decisionLabels[e.decision] ?? e.decision}. Open details`}
                  >
                    <td className="nowrap" title={formatDateTime(e.ts)}>
                      <RelativeTime iso={e.ts} />
                    </td>
                    {view.gateway === "" ? <td className="hide-phone">{nameOf(gatewayOf(e))}</td> : null}
                    <td>{e.agent}</td>
                    <td className="mono truncate">{e.action_type ?? <span className="faint">—</span>}</td>
                    <td>
                      <DecisionBadge decision={e.decision} />
                      {e.enforced !== null && e.enforced !== e.decision && e.decision !== "error" ? (
                        <div className="sub">enforced: {decisionLabels[e.enforced] ?? e.enforced}</div>
                      ) : null}
                    </td>
                    <td className="num hide-phone">{e.status ?? "—"}</td>
                    <td className="mono truncate hide-phone" title={`${e.method} ${e.host}${e.path}`}>
                      {e.method} {e.host}
                      {e.path}
                    </td>
                    <td className="hide-phone" data-testid="audit-row-reviewed">
                      {e.reviewed ? (
                        <span
                          title={`reviewed by ${reviewer(e.reviewed_by)}${e.reviewed_at === null ? "" : ` ${formatDateTime(e.reviewed_at)}`}`}
                        >
                          <Badge tone="ok">reviewed</Badge>
                        </span>
                      ) : (
                        <span className="faint">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            {view.cursor === "" ? null : (
              <button type="button" className="btn" onClick={() => go({ cursor: "" })}>
                ← Newest
              </button>
            )}
            {page.data.nextCursor === null ? (
              <span className="muted">{view.cursor === "" ? "That is everything." : "No older events."}</span>
            ) : (
              <button
                type="button"
                className="btn"
                onClick={() => go({ cursor: page.data?.nextCursor ?? "" })}
              >
                Older events →
              </button>
            )}
          </nav>
        </>
      )}
      <EventDrawer eventId={view.event} onClose={() => go({ event: "" }, true)} gatewayName={nameOf} />
    </>
  );
}

function FilterBar({
  view,
  gateways,
  onApply,
}: {
  view: AuditView;
  gateways: ReadonlyArray<{ id: string; name: string }>;
  onApply: (next: Partial<AuditView>) => void;
}) {
  const [draft, setDraft] = useState(view);
  useEffect(() => setDraft(view), [view]);
  const set = <K extends keyof AuditView>(key: K, value: AuditView[K]) =>
    setDraft({ ...draft, [key]: value });
  const toggleDecision = (d: AuditOutcome) =>
    set(
      "decision",
      draft.decision.includes(d) ? draft.decision.filter((x) => x !== d) : [...draft.decision, d],
    );
  return (
    <form
      className="card"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <div className="filters">
        <Field label="Gateway">
          {(p) => (
            <select
              {...p}
              value={draft.gateway}
              onChange={(e) => set("gateway", e.target.value)}
              data-testid="filter-gateway"
            >
              <option value="">All gateways</option>
              {gateways.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Time">
          {(p) => (
            <select
              {...p}
              value={draft.range}
              onChange={(e) => set("range", e.target.value as AuditView["range"])}
            >
              {auditRanges.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {draft.range === "custom" ? (
          <>
            <Field label="From">
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={draft.from}
                  onChange={(e) => set("from", e.target.value)}
                />
              )}
            </Field>
            <Field label="To">
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={draft.to}
                  onChange={(e) => set("to", e.target.value)}
                />
              )}
            </Field>
          </>
        ) : null}
        <Field label="Agent">
          {(p) => (
            <input
              {...p}
              type="text"
              value={draft.agent}
              onChange={(e) => set("agent", e.target.value)}
              data-testid="filter-agent"
            />
          )}
        </Field>
        <Field label="Connector">
          {(p) => (
            <input
              {...p}
              type="text"
              value={draft.connector}
              onChange={(e) => set("connector", e.target.value)}
            />
          )}
        </Field>
        <Field label="Action" hint="Wildcards: github.pr.*">
          {(p) => (
            <input
              {...p}
              type="text"
              value={draft.action}
              onChange={(e) => set("action", e.target.value)}
              data-testid="filter-action"
            />
          )}
        </Field>
        <Field label="HTTP status">
          {(p) => (
            <input
              {...p}
              type="number"
              value={draft.status}
              onChange={(e) => set("status", e.target.value)}
              min={0}
              max={999}
            />
          )}
        </Field>
      </div>
      <div className="toolbar" style={{ marginBottom: 0 }}>
        <fieldset style={{ margin: 0, padding: "4px 10px" }}>
          <legend>Decision</legend>
          <div className="checks">
            {auditOutcomes.map((d) => (
              <label key={d}>
                <input
                  type="checkbox"
                  checked={draft.decision.includes(d)}
                  onChange={() => toggleDecision(d)}
                  data-testid={`filter-decision-${d}`}
                />
                {decisionLabels[d]}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="inline-form">
          <Link
            className="btn ghost"
            href={`/audit${draft.gateway === "" ? "" : `?gateway=${draft.gateway}`}`}
          >
            Reset
          </Link>
          <button type="submit" className="btn primary" data-testid="filter-apply">
            Apply filters
          </button>
        </div>
      </div>
    </form>
  );
}

function ChainStatus({ gatewayId }: { gatewayId: string }) {
  const { orgId } = useSession();
  const [result, setResult] = useState<Outputs["audit"]["verifyChain"] | null>(null);
  const verify = useMutation(() => api.audit.verifyChain.query({ orgId, gatewayId }), {
    onSuccess: (r) => setResult(r),
  });
  return (
    <div className="inline-form" data-testid="chain-status">
      {result === null ? (
        <span className="muted">Hash chain not checked yet</span>
      ) : result.ok ? (
        <Badge tone="ok">
          chain intact · {formatCount(result.chains.reduce((s, c) => s + c.report.checked, 0))} events in{" "}
          {result.chains.length} run{result.chains.length === 1 ? "" : "s"}
        </Badge>
      ) : (
        <span
          className="badge bad"
          title={result.chains.map((c) => (c.report.ok ? "" : c.report.message)).join(" ")}
        >
          chain broken:{" "}
          {result.chains
            .filter((c) => !c.report.ok)
            .map((c) => (c.report.ok ? "" : `seq ${c.report.seq} (${c.report.kind})`))
            .join(", ")}
        </span>
      )}
      <button
        type="button"
        className="btn small"
        onClick={() => void verify.run(undefined)}
        disabled={verify.pending}
      >
        {verify.pending ? "Verifying…" : "Verify hash chain"}
      </button>
      {verify.failure === null ? null : <span className="field-error">{verify.failure.message}</span>}
    </div>
  );
}

/** What marking the page reviewed will cover, in words (the reason a page is marked event by event). */
const perEventReason: Record<PageReviewReason, string> = {
  filtered: "the view is filtered, so the events it hides stay unreviewed",
  chains: "the page spans several runs of the gateway, whose seq numbers overlap",
  gaps: "the seq numbers shown are not contiguous",
};

/**
 * "Mark the events shown reviewed": exactly the rows on this page. One seq range of one chain
 * when that range holds exactly these rows (no filter, one run, contiguous seqs); otherwise
 * one mark per event (`planPageReview`, the API's rule).
 */
function MarkPage({
  gatewayId,
  events,
  filtered,
}: {
  gatewayId: string;
  events: readonly AuditEvent[];
  filtered: boolean;
}) {
  const { orgId } = useSession();
  const [comment, setComment] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const plan = planPageReview(events, { filtered });
  const shown = `${formatCount(plan.count)} event${plan.count === 1 ? "" : "s"} shown`;
  const how =
    plan.kind === "range"
      ? `as seq ${plan.fromSeq}–${plan.toSeq} of run ${runOf(plan.chainId)}`
      : `one by one: ${perEventReason[plan.reason]}`;
  const mark = useMutation(
    // The plan of the rows on screen when the button was pressed, not of a later refresh.
    (marked: PageReviewPlan) =>
      api.audit.markReviewed.mutate({ orgId, ...pageReviewInput(gatewayId, marked, comment) }),
    {
      invalidates: ["audit.reviews", "audit.unreviewedCount", "audit.get", "audit.list"],
      onSuccess: (out, marked) => {
        const what = `${formatCount(marked.count)} event${marked.count === 1 ? "" : "s"}`;
        setDone(
          marked.kind === "range"
            ? `Marked ${what} reviewed (seq ${marked.fromSeq}–${marked.toSeq} of run ${runOf(marked.chainId)}).`
            : `Marked ${what} reviewed, one mark each (${formatCount(out.marks.length)}).`,
        );
        setComment("");
      },
    },
  );
  if (events.length === 0) return null;
  return (
    <details className="card" style={{ marginBottom: 12, padding: "10px 16px" }} data-testid="mark-page">
      <summary>Mark the {shown} reviewed</summary>
      <p className="hint" style={{ marginTop: 8 }} data-testid="mark-page-plan">
        Marks exactly the {shown}, {how}.
      </p>
      <form
        className="inline-form"
        style={{ marginTop: 10 }}
        onSubmit={(e) => {
          e.preventDefault();
          void mark.run(plan);
        }}
      >
        <div className="field" style={{ flex: "1 1 260px" }}>
          <label htmlFor="range-comment">Comment</label>
          <input
            id="range-comment"
            type="text"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="What you checked"
          />
        </div>
        <button type="submit" className="btn" disabled={mark.pending}>
          Mark reviewed
        </button>
      </form>
      <ErrorNote failure={mark.failure} />
      {done === null ? null : <Note kind="success">{done}</Note>}
    </details>
  );
}

function EventDrawer({
  eventId,
  onClose,
  gatewayName,
}: {
  eventId: string;
  onClose: () => void;
  gatewayName: (id: string) => string;
}) {
  const { orgId, can } = useSession();
  const detail = useApi(eventId === "" ? null : `audit.get/${orgId}/${eventId}`, () =>
    api.audit.get.query({ orgId, eventId }),
  );
  const members = useApi(eventId === "" ? null : `members.list/${orgId}`, () =>
    api.members.list.query({ orgId }),
  );
  const [comment, setComment] = useState("");
  const e = detail.data?.event;
  const mark = useMutation(
    () =>
      api.audit.markReviewed.mutate({
        orgId,
        gatewayId: e === undefined ? "" : gatewayOf(e),
        eventId,
        ...(comment.trim() === "" ? {} : { comment: comment.trim() }),
      }),
    {
      invalidates: ["audit.get", "audit.reviews", "audit.unreviewedCount", "audit.list"],
      onSuccess: () => setComment(""),
    },
  );
  const who = (id: string) => members.data?.find((m) => m.userId === id)?.user.email ?? id;
  return (
    <Drawer open={eventId !== ""} onClose={onClose} title={e?.action_type ?? "Event"}>
      <ErrorNote failure={detail.failure} />
      {e === undefined ? (
        detail.failure === null ? (
          <Loading />
        ) : null
      ) : (
        <>
          <section aria-label="Decision">
            <p style={{ marginBottom: 8 }}>
              <DecisionBadge decision={e.decision} />{" "}
              {e.enforced !== null && e.enforced !== e.decision ? (
                <span className="muted">
                  enforced as {decisionLabels[e.enforced] ?? e.enforced} ({e.mode} mode)
                </span>
              ) : e.mode === null ? null : (
                <span className="muted">{e.mode} mode</span>
              )}
            </p>
            <p data-testid="event-explanation">{e.reason ?? "No explanation was recorded for this event."}</p>
            {e.rule === null ? null : (
              <p className="muted" style={{ marginTop: 4 }}>
                Rule: <code>{e.rule}</code>
              </p>
            )}
          </section>
          <section aria-label="Request">
            <h3 style={{ marginBottom: 6 }}>Request</h3>
            <dl className="kv">
              <dt>When</dt>
              <dd>{formatDateTime(e.ts)}</dd>
              <dt>Agent</dt>
              <dd>{e.agent}</dd>
              <dt>Gateway</dt>
              <dd>{gatewayName(gatewayOf(e))}</dd>
              <dt>Connector</dt>
              <dd>{e.connector ?? "—"}</dd>
              <dt>Request</dt>
              <dd className="mono">
                {e.method} {e.host}
                {e.path}
              </dd>
              <dt>Status</dt>
              <dd>
                {e.status ?? "—"}
                {e.error_code === null ? "" : ` · ${e.error_code}`}
              </dd>
              <dt>Risk</dt>
              <dd>
                {e.risk ?? "—"}
                {e.risk_score === null ? "" : ` · ${e.risk_score}`}
              </dd>
              <dt>Latency</dt>
              <dd>{e.latency_ms === null ? "—" : `${Math.round(e.latency_ms)} ms`}</dd>
              <dt>Bytes in / out</dt>
              <dd>
                {e.bytes_in ?? "—"} / {e.bytes_out ?? "—"}
              </dd>
              <dt>Request id</dt>
              <dd className="mono">{e.request_id}</dd>
              {e.approval_id === null ? null : (
                <>
                  <dt>Approval</dt>
                  <dd className="mono">{e.approval_id}</dd>
                </>
              )}
            </dl>
          </section>
          <section aria-label="Integrity">
            <h3 style={{ marginBottom: 6 }}>Integrity</h3>
            <dl className="kv">
              <dt>Chain</dt>
              <dd className="mono">{e.gateway_id}</dd>
              <dt>Seq</dt>
              <dd>{e.seq}</dd>
              <dt>Hash</dt>
              <dd className="mono">{e.hash}</dd>
              <dt>Previous</dt>
              <dd className="mono">{e.prev_hash}</dd>
              <dt>Event id</dt>
              <dd className="mono">{e.id}</dd>
            </dl>
          </section>
          <section aria-label="Review">
            <h3 style={{ marginBottom: 6 }}>Review</h3>
            {(detail.data?.reviews ?? []).length === 0 ? (
              <p className="muted" style={{ marginBottom: 8 }}>
                Nobody has reviewed this event yet.
              </p>
            ) : (
              <ul className="problems" style={{ marginBottom: 8 }}>
                {(detail.data?.reviews ?? []).map((r) => (
                  <li key={r.id}>
                    <Badge tone="ok">reviewed</Badge> by {who(r.reviewerUserId)} {formatDateTime(r.createdAt)}
                    {r.comment === null ? "" : `: “${r.comment}”`}
                  </li>
                ))}
              </ul>
            )}
            {can("member") ? (
              <form
                onSubmit={(ev) => {
                  ev.preventDefault();
                  void mark.run(undefined);
                }}
              >
                <div className="field">
                  <label htmlFor="review-comment">Comment</label>
                  <input
                    id="review-comment"
                    type="text"
                    value={comment}
                    onChange={(ev) => setComment(ev.target.value)}
                    placeholder="Optional"
                  />
                </div>
                <ErrorNote failure={mark.failure} />
                <button type="submit" className="btn" disabled={mark.pending}>
                  Mark reviewed
                </button>
              </form>
            ) : (
              <p className="hint">Marking events reviewed needs the member role.</p>
            )}
          </section>
        </>
      )}
    </Drawer>
  );
}
