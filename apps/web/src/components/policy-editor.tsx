"use client";

import { type Action, actionSchema, type Policy, type PolicyDocumentInput } from "@tameflare/contracts";
import {
  compilePolicy,
  evaluate,
  explainDecision,
  type PolicyError,
  validatePolicyDocument,
} from "@tameflare/policy-engine";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from "react";
import { api, type Outputs } from "../lib/api.ts";
import { describeFailure, type Failure } from "../lib/errors.ts";
import { formatDateTime } from "../lib/format.ts";
import { checkPolicyYaml, withDraftPolicy } from "../lib/policy-check.ts";
import { invalidate, useApi, useMutation } from "../lib/use-api.ts";
import { useSession } from "./session.tsx";
import { DecisionBadge, ErrorNote, Field, Loading, Note, Tabs } from "./ui.tsx";
import { YamlEditor, type YamlEditorHandle } from "./yaml-editor.tsx";

type PolicyRecord = Outputs["policies"]["get"]["policy"];

export type EditorMode =
  | { kind: "new"; gatewayId: string | null; yaml: string }
  | { kind: "edit"; policy: PolicyRecord; yaml: string };

/** Connector names a policy may name in its scope: its gateway's, or any gateway's when org-wide. */
function useConnectorNames(gatewayId: string | null) {
  const { orgId } = useSession();
  return useApi(`connectors.names/${orgId}/${gatewayId ?? "*"}`, async () => {
    const ids =
      gatewayId === null ? (await api.gateways.list.query({ orgId })).map((g) => g.id) : [gatewayId];
    const lists = await Promise.all(ids.map((id) => api.connectors.list.query({ orgId, gatewayId: id })));
    return [...new Set(lists.flat().map((c) => c.name))];
  });
}

function Problems({ errors, onJump }: { errors: readonly PolicyError[]; onJump: (e: PolicyError) => void }) {
  if (errors.length === 0) return null;
  return (
    <ul className="problems" aria-label="Problems" data-testid="policy-problems">
      {errors.map((e) => (
        <li key={`${e.line ?? 0}:${e.column ?? 0}:${e.path}:${e.message}`}>
          <button type="button" onClick={() => onJump(e)}>
            {e.line === undefined
              ? ""
              : `line ${e.line}${e.column === undefined ? "" : `, column ${e.column}`}: `}
            {e.path === "" ? "" : <code>{e.path}</code>} {e.message}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function PolicyEditor({ mode }: { mode: EditorMode }) {
  const { orgId, can } = useSession();
  const router = useRouter();
  const editorRef = useRef<YamlEditorHandle>(null);
  const editorId = useId();
  const [text, setText] = useState(mode.yaml);
  const [scope, setScope] = useState<string | null>(
    mode.kind === "new" ? mode.gatewayId : mode.policy.gatewayId,
  );
  const [changeNote, setChangeNote] = useState("");
  const [serverErrors, setServerErrors] = useState<PolicyError[] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [tab, setTab] = useState<"sandbox" | "simulation" | "history">("sandbox");
  const admin = can("admin");
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const names = useConnectorNames(scope);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkPolicyYaml(deferred, names.data ?? []), [deferred, names.data]);
  const errors = serverErrors ?? (check.ok ? [] : check.errors);
  const dirty = text !== mode.yaml;

  const save = useMutation(
    async () => {
      if (mode.kind === "new") {
        return api.policies.create.mutate({
          orgId,
          gatewayId: scope,
          yaml: text,
          ...(changeNote === "" ? {} : { changeNote }),
        });
      }
      return api.policies.update.mutate({
        orgId,
        policyId: mode.policy.id,
        yaml: text,
        ...(changeNote === "" ? {} : { changeNote }),
      });
    },
    {
      onSuccess: (result) => {
        if (!result.ok) {
          setServerErrors(result.errors);
          return;
        }
        invalidate("policies.");
        setChangeNote("");
        if (mode.kind === "new") router.replace(`/policies/${result.value.id}`);
        else setSaved(`Saved as version ${result.value.currentVersion}.`);
      },
    },
  );

  return (
    <>
      <div className="grid" style={{ gridTemplateColumns: "minmax(0, 1fr)" }}>
        <section className="card" aria-labelledby="editor-title">
          <div className="card-header">
            <h2 id="editor-title">Policy</h2>
            <p>
              {check.ok ? (
                <span className="badge ok" data-testid="policy-valid">
                  valid
                </span>
              ) : (
                <span className="badge bad" data-testid="policy-invalid">
                  {check.errors.length} problem{check.errors.length === 1 ? "" : "s"}
                </span>
              )}{" "}
              checked by the policy engine in your browser as you type
            </p>
          </div>
          {mode.kind === "new" ? (
            <Field label="Applies to" hint="A policy for every gateway, or for one.">
              {(p) => (
                <select
                  {...p}
                  value={scope ?? ""}
                  onChange={(e) => setScope(e.target.value === "" ? null : e.target.value)}
                >
                  <option value="">Every gateway of the organization</option>
                  {(gateways.data ?? []).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          <label htmlFor={editorId} style={{ display: "block", marginBottom: 6 }}>
            Policy (YAML: one entry of <code>policies:</code>)
          </label>
          <YamlEditor
            ref={editorRef}
            id={editorId}
            label="Policy YAML"
            value={text}
            onChange={(t) => {
              setText(t);
              setServerErrors(null);
              setSaved(null);
            }}
            errors={errors}
            readOnly={!admin}
          />
          <Problems
            errors={errors}
            onJump={(e) => e.line !== undefined && editorRef.current?.goTo(e.line, e.column)}
          />
          <ErrorNote failure={save.failure} />
          {serverErrors !== null && serverErrors.length > 0 ? (
            <Note kind="error">The API refused the policy: see the problems above.</Note>
          ) : null}
          {saved === null ? null : <Note kind="success">{saved}</Note>}
          {admin ? (
            <div className="inline-form" style={{ marginTop: 12 }}>
              <div className="field" style={{ flex: "1 1 240px" }}>
                <label htmlFor={`${editorId}-note`}>Change note</label>
                <input
                  id={`${editorId}-note`}
                  type="text"
                  value={changeNote}
                  onChange={(e) => setChangeNote(e.target.value)}
                  placeholder="Why this change (kept in the history)"
                />
              </div>
              <button
                type="button"
                className="btn primary"
                disabled={save.pending || !check.ok || (mode.kind === "edit" && !dirty)}
                onClick={() => void save.run(undefined)}
              >
                {save.pending ? "Saving…" : mode.kind === "new" ? "Create policy" : "Save new version"}
              </button>
            </div>
          ) : (
            <p className="hint" style={{ marginTop: 10 }}>
              Read only: editing policies needs the admin role.
            </p>
          )}
        </section>
      </div>

      <section className="card" style={{ marginTop: 16 }}>
        <Tabs
          label="Try the policy"
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "sandbox", label: "Sandbox" },
            { id: "simulation", label: "Simulation" },
            ...(mode.kind === "edit" ? [{ id: "history" as const, label: "History" }] : []),
          ]}
        />
        {tab === "sandbox" ? (
          <SandboxPanel
            draft={check.ok ? check.policy : null}
            replaceName={mode.kind === "edit" ? mode.policy.name : null}
            defaultGatewayId={scope ?? gateways.data?.[0]?.id ?? null}
          />
        ) : null}
        {tab === "simulation" ? (
          <SimulationPanel
            draft={check.ok ? check.policy : null}
            replaceName={mode.kind === "edit" ? mode.policy.name : null}
            defaultGatewayId={scope ?? gateways.data?.[0]?.id ?? null}
          />
        ) : null}
        {tab === "history" && mode.kind === "edit" ? <HistoryPanel policy={mode.policy} /> : null}
      </section>
    </>
  );
}

function GatewayPicker({
  value,
  onChange,
  hint,
}: {
  value: string;
  onChange: (id: string) => void;
  hint?: string;
}) {
  const { orgId } = useSession();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  return (
    <Field label="Gateway" hint={hint}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">Choose a gateway</option>
          {(gateways.data ?? []).map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The gateway's whole document (no secrets) with the draft in place, or why there is none. */
function useDraftDocument(gatewayId: string, draft: Policy | null, replaceName: string | null) {
  const { orgId } = useSession();
  const exported = useApi(gatewayId === "" ? null : `config.export/${orgId}/${gatewayId}`, () =>
    api.config.export.query({ orgId, gatewayId }),
  );
  const document = useMemo<PolicyDocumentInput | null>(
    () =>
      exported.data === undefined || draft === null
        ? null
        : withDraftPolicy(exported.data.document, draft, replaceName),
    [exported.data, draft, replaceName],
  );
  return { exported, document };
}

const exampleAction = JSON.stringify(
  {
    type: "github.pr.merge",
    connector: "github",
    resource: "acme/app/pulls/7",
    parameters: { base: "main" },
    risk: "high",
    read: false,
  },
  null,
  2,
);

type SandboxResult = Extract<Outputs["policies"]["sandbox"], { ok: true }>["value"];

function SandboxPanel({
  draft,
  replaceName,
  defaultGatewayId,
}: {
  draft: Policy | null;
  replaceName: string | null;
  defaultGatewayId: string | null;
}) {
  const { orgId } = useSession();
  const [gatewayId, setGatewayId] = useState(defaultGatewayId ?? "");
  useEffect(() => {
    if (gatewayId === "" && defaultGatewayId !== null) setGatewayId(defaultGatewayId);
  }, [defaultGatewayId, gatewayId]);
  const [kind, setKind] = useState<"action" | "request">("action");
  const [actionText, setActionText] = useState(exampleAction);
  const [request, setRequest] = useState("POST https://api.github.com/repos/acme/app/pulls/7/merge");
  const [body, setBody] = useState("");
  const [agent, setAgent] = useState("sandbox");
  const [result, setResult] = useState<{ value: SandboxResult } | { errors: PolicyError[] } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [running, setRunning] = useState(false);
  const { exported, document } = useDraftDocument(gatewayId, draft, replaceName);

  const parsedAction = useMemo((): { ok: true; action: Action } | { ok: false; message: string } => {
    let raw: unknown;
    try {
      raw = JSON.parse(actionText);
    } catch (error) {
      return { ok: false, message: `not JSON: ${(error as Error).message}` };
    }
    const parsed = actionSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, message: `\`${issue?.path.join(".") ?? ""}\`: ${issue?.message ?? "invalid"}` };
    }
    return { ok: true, action: parsed.data };
  }, [actionText]);

  // The in-browser preview: the same engine the gateway runs, on the draft document.
  const preview = useMemo(() => {
    if (kind !== "action" || document === null || !parsedAction.ok) return null;
    const validated = validatePolicyDocument(document);
    if (!validated.ok) return { kind: "invalid" as const, errors: validated.errors };
    const gateway = exported.data === undefined ? {} : { id: gatewayId };
    const compiled = compilePolicy(validated.document, { gateway });
    if (!compiled.ok) return { kind: "invalid" as const, errors: compiled.errors };
    const { decision } = evaluate(compiled.compiled, parsedAction.action, { agent, nowMs: Date.now() });
    return { kind: "decided" as const, decision, explanation: explainDecision(decision) };
  }, [kind, document, parsedAction, agent, exported.data, gatewayId]);

  async function runOnApi() {
    if (document === null) return;
    setRunning(true);
    setFailure(null);
    try {
      const out = await api.policies.sandbox.query({
        orgId,
        gatewayId,
        draft: { document: document as Record<string, unknown> },
        agent,
        ...(kind === "action" && parsedAction.ok
          ? { action: parsedAction.action }
          : { request, ...(body === "" ? {} : { body }) }),
      });
      setResult(out.ok ? { value: out.value } : { errors: out.errors });
    } catch (error) {
      setFailure(describeFailure(error));
    } finally {
      setRunning(false);
    }
  }

  return (
    <div>
      <p className="muted" style={{ marginBottom: 12 }}>
        Decide one action or one raw request with this draft in place of the saved policy, on a gateway's
        current configuration. Nothing is saved and no request is sent anywhere.
      </p>
      <div className="grid grid-2">
        <GatewayPicker
          value={gatewayId}
          onChange={setGatewayId}
          hint="Its connectors, access rules and other policies apply too."
        />
        <Field label="Agent">
          {(p) => <input {...p} type="text" value={agent} onChange={(e) => setAgent(e.target.value)} />}
        </Field>
      </div>
      <fieldset>
        <legend>Try</legend>
        <label className="choice">
          <input
            type="radio"
            name="sandbox-kind"
            checked={kind === "action"}
            onChange={() => setKind("action")}
          />
          <span>
            <strong>An action</strong>
            <span>As a connector would produce it (JSON). Decided live in your browser.</span>
          </span>
        </label>
        <label className="choice">
          <input
            type="radio"
            name="sandbox-kind"
            checked={kind === "request"}
            onChange={() => setKind("request")}
          />
          <span>
            <strong>A raw request</strong>
            <span>
              Method and URL (and a body): the gateway's connectors turn it into actions on the API.
            </span>
          </span>
        </label>
      </fieldset>
      {kind === "action" ? (
        <Field label="Action (JSON)" error={parsedAction.ok ? undefined : parsedAction.message}>
          {(p) => (
            <textarea
              {...p}
              className="mono"
              rows={9}
              value={actionText}
              onChange={(e) => setActionText(e.target.value)}
              spellCheck={false}
            />
          )}
        </Field>
      ) : (
        <>
          <Field label="Request" hint="METHOD URL, e.g. DELETE https://api.github.com/repos/acme/app">
            {(p) => (
              <input
                {...p}
                type="text"
                className="mono"
                value={request}
                onChange={(e) => setRequest(e.target.value)}
              />
            )}
          </Field>
          <Field label="Body" hint="Optional (JSON, form or text).">
            {(p) => (
              <textarea
                {...p}
                className="mono"
                rows={4}
                value={body}
                onChange={(e) => setBody(e.target.value)}
              />
            )}
          </Field>
        </>
      )}
      {draft === null ? (
        <Note kind="warn">Fix the policy's problems first: the sandbox decides with the draft.</Note>
      ) : null}
      {gatewayId === "" ? (
        <Note kind="info">Choose a gateway: its connectors and rules take part in the decision.</Note>
      ) : null}
      <ErrorNote failure={exported.failure ?? failure} />
      {preview !== null ? (
        <div
          className="card"
          style={{ background: "var(--surface-2)", boxShadow: "none" }}
          data-testid="sandbox-preview"
        >
          <h3 style={{ marginBottom: 6 }}>In your browser</h3>
          {preview.kind === "invalid" ? (
            <Problems errors={preview.errors} onJump={() => {}} />
          ) : (
            <DecisionView decision={preview.decision} explanation={preview.explanation} />
          )}
        </div>
      ) : null}
      <div className="inline-form" style={{ marginTop: 12 }}>
        <button
          type="button"
          className="btn primary"
          disabled={running || document === null || (kind === "action" && !parsedAction.ok)}
          onClick={() => void runOnApi()}
        >
          {running ? "Deciding…" : "Decide on the API"}
        </button>
      </div>
      {result === null ? null : (
        <div className="card" style={{ marginTop: 12, boxShadow: "none" }} data-testid="sandbox-result">
          <h3 style={{ marginBottom: 6 }}>On the API</h3>
          {"errors" in result ? (
            <Problems errors={result.errors} onJump={() => {}} />
          ) : result.value.decision === null ? (
            <p>
              <DecisionBadge decision="deny" /> {result.value.explanation}
            </p>
          ) : (
            <>
              <DecisionView decision={result.value.decision} explanation={result.value.explanation} />
              {result.value.actions.length > 0 ? (
                <p className="hint" style={{ marginTop: 6 }}>
                  Actions: {result.value.actions.map((a) => a.type).join(", ")}
                </p>
              ) : null}
            </>
          )}
        </div>
      )}
    </div>
  );
}

function DecisionView({
  decision,
  explanation,
}: {
  decision: { decision: string; enforced: string; mode: string; risk_score: number; flagged: boolean };
  explanation: string;
}) {
  return (
    <>
      <p style={{ marginBottom: 6 }}>
        <DecisionBadge decision={decision.enforced} />{" "}
        {decision.enforced !== decision.decision ? (
          <span className="muted">
            (rules say {decision.decision}; {decision.mode} mode)
          </span>
        ) : null}{" "}
        <span className="muted">risk {decision.risk_score}</span>
      </p>
      <p data-testid="decision-explanation">{explanation}</p>
    </>
  );
}

type SimulationReport = Extract<Outputs["policies"]["simulate"], { ok: true }>["value"];

function SimulationPanel({
  draft,
  replaceName,
  defaultGatewayId,
}: {
  draft: Policy | null;
  replaceName: string | null;
  defaultGatewayId: string | null;
}) {
  const { orgId } = useSession();
  const [gatewayId, setGatewayId] = useState(defaultGatewayId ?? "");
  const [days, setDays] = useState(7);
  const [report, setReport] = useState<{ value: SimulationReport } | { errors: PolicyError[] } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [running, setRunning] = useState(false);
  const { exported, document } = useDraftDocument(gatewayId, draft, replaceName);
  async function run() {
    if (document === null) return;
    setRunning(true);
    setFailure(null);
    try {
      const out = await api.policies.simulate.query({
        orgId,
        gatewayId,
        days,
        draft: { document: document as Record<string, unknown> },
      });
      setReport(out.ok ? { value: out.value } : { errors: out.errors });
    } catch (error) {
      setFailure(describeFailure(error));
    } finally {
      setRunning(false);
    }
  }
  return (
    <div>
      <p className="muted" style={{ marginBottom: 12 }}>
        Re-decide a gateway's recorded traffic under this draft and see what would change before you save it.
      </p>
      <div className="inline-form">
        <GatewayPicker value={gatewayId} onChange={setGatewayId} />
        <Field label="Days of traffic">
          {(p) => (
            <input
              {...p}
              type="number"
              min={1}
              max={90}
              value={days}
              onChange={(e) => setDays(Number(e.target.value))}
              style={{ width: 100 }}
            />
          )}
        </Field>
        <button
          type="button"
          className="btn primary"
          disabled={running || document === null}
          onClick={() => void run()}
        >
          {running ? "Simulating…" : "Simulate"}
        </button>
      </div>
      <ErrorNote failure={exported.failure ?? failure} />
      {report === null ? null : "errors" in report ? (
        <Problems errors={report.errors} onJump={() => {}} />
      ) : (
        <div style={{ marginTop: 14 }} data-testid="simulation-report">
          <p style={{ marginBottom: 10 }}>
            <strong>{report.value.changed}</strong> of {report.value.evaluated} requests would be decided
            differently
            {report.value.truncated ? " (the newest 100,000 were simulated)" : ""}.
          </p>
          {report.value.transitions.every((t) => t.from === t.to) ? (
            <Note kind="success">Nothing would change.</Note>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Requests whose decision would change</caption>
                <thead>
                  <tr>
                    <th>Action</th>
                    <th>Was</th>
                    <th>Would be</th>
                    <th className="num">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {report.value.transitions
                    .filter((t) => t.from !== t.to)
                    .map((t) => (
                      <tr key={`${t.actionType}/${t.from}/${t.to}`}>
                        <td className="mono">{t.actionType}</td>
                        <td>
                          <DecisionBadge decision={t.from} />
                        </td>
                        <td>
                          <DecisionBadge decision={t.to} />
                        </td>
                        <td className="num">{t.count}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
          {report.value.transitions.some((t) => t.from === t.to) ? (
            <p className="hint" style={{ marginTop: 8 }}>
              Decided the same:{" "}
              {report.value.transitions
                .filter((t) => t.from === t.to)
                .map((t) => `${t.actionType} (${t.count})`)
                .join(", ")}
              .
            </p>
          ) : null}
          {report.value.examples.length === 0 ? null : (
            <>
              <h3 style={{ margin: "14px 0 6px" }}>Examples</h3>
              <ul className="problems">
                {report.value.examples.map((x) => (
                  <li key={x.eventId}>
                    <span className="muted">{formatDateTime(x.ts)}</span> <code>{x.actionType}</code> by{" "}
                    {x.agent}: {x.from} → {x.to}. {x.explanation}
                  </li>
                ))}
              </ul>
            </>
          )}
          <p className="hint" style={{ marginTop: 10 }}>
            {report.value.limitations}.
          </p>
        </div>
      )}
    </div>
  );
}

function HistoryPanel({ policy }: { policy: PolicyRecord }) {
  const { orgId } = useSession();
  const versions = useApi(`policies.versions/${orgId}/${policy.id}/${policy.currentVersion}`, () =>
    api.policies.versions.query({ orgId, policyId: policy.id }),
  );
  const members = useApi(`members.list/${orgId}`, () => api.members.list.query({ orgId }));
  const [from, setFrom] = useState(Math.max(1, policy.currentVersion - 1));
  const [to, setTo] = useState(policy.currentVersion);
  const diff = useApi(from === to ? null : `policies.diff/${orgId}/${policy.id}/${from}/${to}`, () =>
    api.policies.diff.query({ orgId, policyId: policy.id, from, to }),
  );
  const who = (id: string | null) =>
    id === null ? "—" : (members.data?.find((m) => m.userId === id)?.user.email ?? id);
  if (versions.data === undefined)
    return versions.failure === null ? <Loading /> : <ErrorNote failure={versions.failure} />;
  const options = versions.data.map((v) => v.version);
  return (
    <div>
      <div className="table-wrap" style={{ marginBottom: 14 }}>
        <table>
          <thead>
            <tr>
              <th className="num">Version</th>
              <th>When</th>
              <th>Who</th>
              <th>Note</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version}>
                <td className="num">v{v.version}</td>
                <td className="nowrap">{formatDateTime(v.createdAt)}</td>
                <td>{who(v.authorUserId)}</td>
                <td>{v.changeNote ?? <span className="faint">—</span>}</td>
                <td>
                  {v.enabled ? "enabled" : "disabled"}, priority {v.priority}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {options.length < 2 ? (
        <p className="muted">One version so far: edit and save to see a diff here.</p>
      ) : (
        <>
          <div className="inline-form" style={{ marginBottom: 10 }}>
            <Field label="Compare version">
              {(p) => (
                <select {...p} value={from} onChange={(e) => setFrom(Number(e.target.value))}>
                  {options.map((v) => (
                    <option key={v} value={v}>
                      v{v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="with version">
              {(p) => (
                <select {...p} value={to} onChange={(e) => setTo(Number(e.target.value))}>
                  {options.map((v) => (
                    <option key={v} value={v}>
                      v{v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <ErrorNote failure={diff.failure} />
          {from === to ? (
            <p className="muted">Pick two different versions.</p>
          ) : diff.data === undefined ? (
            <Loading />
          ) : !diff.data.changed ? (
            <p className="muted">The YAML of these versions is the same (only priority or state changed).</p>
          ) : (
            <section className="diff" aria-label={`Diff from v${from} to v${to}`} data-testid="policy-diff">
              {diff.data.lines.map((l, i) => (
                <div
                  // biome-ignore lint/suspicious/noArrayIndexKey: diff lines are positional
                  key={i}
                  className={l.op === "+" ? "diff-line add" : l.op === "-" ? "diff-line del" : "diff-line"}
                >
                  {l.op} {l.text}
                </div>
              ))}
            </section>
          )}
        </>
      )}
      <p className="hint" style={{ marginTop: 10 }}>
        <Link href="/audit">Audit</Link> shows what each version decided.
      </p>
    </div>
  );
}
