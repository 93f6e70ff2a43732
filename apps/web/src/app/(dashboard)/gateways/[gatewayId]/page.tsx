"use client";

import { updateGatewayInput } from "@tameflare/api";
import {
  type EnforcementLevel,
  enforcementLevels,
  type GatewaySettings as GatewaySettingsValue,
} from "@tameflare/contracts";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import {
  AccessRulesEditor,
  type ConnectorRules,
  checkAccessRules,
  fromAccessRules,
  toAccessRules,
} from "../../../../components/access-rules-editor.tsx";
import { ConnectorForm } from "../../../../components/connector-form.tsx";
import { gatewayStatus } from "../../../../components/gateway-status.ts";
import { KillSwitchControl } from "../../../../components/kill-switch-control.tsx";
import { useSession } from "../../../../components/session.tsx";
import { TokenReveal } from "../../../../components/token-reveal.tsx";
import {
  BackLink,
  ConfirmButton,
  ErrorNote,
  Field,
  Loading,
  Note,
  PageHeader,
  RelativeTime,
  useNow,
} from "../../../../components/ui.tsx";
import { api, type Inputs } from "../../../../lib/api.ts";
import { zodFields } from "../../../../lib/errors.ts";
import { enforcementHelp, formatDateTime } from "../../../../lib/format.ts";
import { useApi, useMutation } from "../../../../lib/use-api.ts";

export default function GatewayPage() {
  const { gatewayId } = useParams<{ gatewayId: string }>();
  const { orgId, can } = useSession();
  const now = useNow(5000);
  const key = `${orgId}/${gatewayId}`;
  const detail = useApi(`gateways.get/${key}`, () => api.gateways.get.query({ orgId, gatewayId }), {
    intervalMs: 10_000,
  });
  const bundle = useApi(`bundles.status/${key}`, () => api.bundles.status.query({ orgId, gatewayId }), {
    intervalMs: 10_000,
  });
  const secrets = useApi(`vault.list/${key}`, () => api.vault.list.query({ orgId, gatewayId }));
  const rules = useApi(`accessRules.list/${key}`, () => api.accessRules.list.query({ orgId, gatewayId }));

  if (detail.data === undefined) {
    return (
      <>
        <BackLink href="/gateways">Gateways</BackLink>
        {detail.failure === null ? <Loading /> : <ErrorNote failure={detail.failure} />}
      </>
    );
  }
  const { gateway, connectors } = detail.data;
  const status = gatewayStatus(gateway, now);
  const revoked = gateway.revokedAt !== null;
  return (
    <>
      <BackLink href="/gateways">Gateways</BackLink>
      <PageHeader
        title={
          <>
            {gateway.name} <span className={`badge ${status.tone}`}>{status.label}</span>
          </>
        }
        description={gateway.description ?? undefined}
        actions={
          <>
            <Link className="btn" href={`/audit?gateway=${gateway.id}`}>
              Audit log
            </Link>
            <Link className="btn" href={`/policies?gateway=${gateway.id}`}>
              Policies
            </Link>
          </>
        }
      />
      {revoked ? (
        <Note kind="error">
          This gateway was revoked {formatDateTime(gateway.revokedAt)}: its token no longer works.
        </Note>
      ) : null}

      <div className="grid grid-2">
        <section className="card" aria-labelledby="gw-status">
          <h2 id="gw-status" style={{ marginBottom: 10 }}>
            Status
          </h2>
          <dl className="kv">
            <dt>Gateway id</dt>
            <dd>
              <code>{gateway.id}</code>
            </dd>
            <dt>Token</dt>
            <dd>
              <code>{gateway.tokenPrefix}…</code>
            </dd>
            <dt>Last seen</dt>
            <dd>
              <RelativeTime iso={gateway.lastSeenAt} />
            </dd>
            <dt>Enforcement</dt>
            <dd>{gateway.enforcement}</dd>
            <dt>Registered</dt>
            <dd>
              {bundle.data === undefined
                ? "…"
                : bundle.data.registered
                  ? "yes (tf init done)"
                  : "not yet: run tf init"}
            </dd>
            <dt>Bundle</dt>
            <dd>
              {bundle.data?.latest == null ? "none issued yet" : `v${bundle.data.latest.version} issued`}
              {bundle.data?.ackedVersion == null ? "" : `, v${bundle.data.ackedVersion} applied`}
            </dd>
          </dl>
          {bundle.data !== undefined && !bundle.data.build.ok ? (
            <div className="note error" role="alert" style={{ marginTop: 12 }}>
              The current configuration does not compile, so no new bundle is issued (the gateway keeps its
              last one):
              <ul>
                {bundle.data.build.errors.map((e) => (
                  <li key={`${e.path}${e.message}`}>
                    {e.path === "" ? "" : <code>{e.path}</code>} {e.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <ErrorNote failure={bundle.failure} />
        </section>
        {can("admin") && !revoked ? (
          <GatewaySettingsForm
            gatewayId={gateway.id}
            settings={gateway.settings}
            initial={{
              name: gateway.name,
              description: gateway.description ?? "",
              enforcement: gateway.enforcement,
              excludeDomains: (gateway.settings.exclude_domains ?? []).join(", "),
              approvalTimeout:
                gateway.settings.approvals?.timeout_seconds === undefined
                  ? ""
                  : String(gateway.settings.approvals.timeout_seconds),
              upstreamProxy: gateway.settings.upstream_proxy ?? "",
              upstreamCa: gateway.settings.upstream_ca ?? "",
            }}
          />
        ) : (
          <section className="card">
            <h2 style={{ marginBottom: 10 }}>Settings</h2>
            <p className="muted">{enforcementHelp[gateway.enforcement]}</p>
            {revoked ? null : <p className="hint">Editing needs the admin role.</p>}
          </section>
        )}
      </div>

      <section className="card" aria-labelledby="gw-connectors">
        <div className="card-header">
          <h2 id="gw-connectors">Connectors</h2>
          <Link href={`/vault?gateway=${gateway.id}`}>Credentials in the vault</Link>
        </div>
        <Connectors
          gatewayId={gateway.id}
          connectors={connectors}
          secretsByConnector={new Map((secrets.data ?? []).map((s) => [s.connectorId, s.last4]))}
          editable={can("admin") && !revoked}
        />
      </section>

      <section className="card" aria-labelledby="gw-rules">
        <div className="card-header">
          <h2 id="gw-rules">Access rules</h2>
          <p>The first line of defence: per connector, before condition policies.</p>
        </div>
        {rules.data === undefined ? (
          <Loading />
        ) : (
          <RulesForm
            key={`${rules.data.map((r) => r.id).join(",")}/${connectors.map((c) => c.name).join(",")}`}
            gatewayId={gateway.id}
            initial={fromAccessRules(
              rules.data,
              connectors.map((c) => c.name),
            )}
            editable={can("admin") && !revoked}
          />
        )}
      </section>

      <div className="grid grid-2" style={{ marginTop: 16 }}>
        <TokenCard gatewayId={gateway.id} editable={can("admin") && !revoked} />
        <section className="card" aria-labelledby="gw-kill">
          <h2 id="gw-kill" style={{ marginBottom: 10 }}>
            Kill switch for this gateway
          </h2>
          <KillSwitchControl fixed={{ scope: "gateway", target: gateway.id }} gatewayId={gateway.id} />
        </section>
      </div>
    </>
  );
}

function GatewaySettingsForm({
  gatewayId,
  settings,
  initial,
}: {
  gatewayId: string;
  settings: GatewaySettingsValue;
  initial: {
    name: string;
    description: string;
    enforcement: EnforcementLevel;
    excludeDomains: string;
    approvalTimeout: string;
    upstreamProxy: string;
    upstreamCa: string;
  };
}) {
  const { orgId } = useSession();
  const [form, setForm] = useState(initial);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const update = useMutation((input: Inputs["gateways"]["update"]) => api.gateways.update.mutate(input), {
    invalidates: ["gateways.", "bundles."],
    onSuccess: () => setSaved(true),
  });
  return (
    <section className="card" aria-labelledby="gw-settings">
      <h2 id="gw-settings" style={{ marginBottom: 10 }}>
        Settings
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          // Only the fields shown here change; other stored settings (limits) are kept.
          const next: GatewaySettingsValue = { ...settings };
          const domains = form.excludeDomains
            .split(/[\s,]+/)
            .map((d) => d.trim())
            .filter((d) => d !== "");
          if (domains.length > 0) next.exclude_domains = domains;
          else delete next.exclude_domains;
          if (form.upstreamProxy.trim() !== "") next.upstream_proxy = form.upstreamProxy.trim();
          else delete next.upstream_proxy;
          if (form.upstreamCa.trim() !== "") next.upstream_ca = form.upstreamCa.trim();
          else delete next.upstream_ca;
          if (form.approvalTimeout.trim() !== "")
            next.approvals = { timeout_seconds: Number(form.approvalTimeout) };
          else delete next.approvals;
          const input = {
            orgId,
            gatewayId,
            name: form.name,
            description: form.description.trim() === "" ? null : form.description,
            enforcement: form.enforcement,
            settings: next,
          };
          const parsed = updateGatewayInput.safeParse(input);
          setFields(parsed.success ? {} : zodFields(parsed.error.issues));
          if (parsed.success) void update.run(input);
        }}
      >
        <ErrorNote failure={update.failure} />
        {saved ? (
          <Note kind="success">Saved. Connected gateways pick the change up within seconds.</Note>
        ) : null}
        <Field label="Name" error={fields.name ?? update.failure?.fields.name}>
          {(p) => (
            <input
              {...p}
              type="text"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Description" error={fields.description}>
          {(p) => (
            <input
              {...p}
              type="text"
              value={form.description}
              onChange={(e) => setForm({ ...form, description: e.target.value })}
            />
          )}
        </Field>
        <Field label="Enforcement level" hint={enforcementHelp[form.enforcement]}>
          {(p) => (
            <select
              {...p}
              value={form.enforcement}
              onChange={(e) => setForm({ ...form, enforcement: e.target.value as EnforcementLevel })}
            >
              {enforcementLevels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Approval timeout (seconds)"
          hint="How long a held request waits for a human; empty: the default (300)."
          error={fields["settings.approvals.timeout_seconds"]}
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={1}
              value={form.approvalTimeout}
              onChange={(e) => setForm({ ...form, approvalTimeout: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Excluded domains"
          hint="Tunnelled without inspection (audited as bypassed), comma-separated: like NO_PROXY."
          error={fields["settings.exclude_domains"] ?? fields["settings.exclude_domains.0"]}
        >
          {(p) => (
            <input
              {...p}
              type="text"
              value={form.excludeDomains}
              onChange={(e) => setForm({ ...form, excludeDomains: e.target.value })}
              placeholder="telemetry.example.com"
            />
          )}
        </Field>
        <Field
          label="Upstream proxy"
          hint="Optional: chain through a corporate proxy."
          error={fields["settings.upstream_proxy"]}
        >
          {(p) => (
            <input
              {...p}
              type="url"
              value={form.upstreamProxy}
              onChange={(e) => setForm({ ...form, upstreamProxy: e.target.value })}
              placeholder="http://corp-proxy:3128"
            />
          )}
        </Field>
        <Field
          label="Upstream CA"
          hint="Optional: an extra root for upstream TLS (a corporate root, a test double), as PEM or a file path on the gateway's machine (relative to TF_HOME)."
          error={fields["settings.upstream_ca"]}
        >
          {(p) => (
            <textarea
              {...p}
              rows={3}
              spellCheck={false}
              value={form.upstreamCa}
              onChange={(e) => setForm({ ...form, upstreamCa: e.target.value })}
              placeholder="-----BEGIN CERTIFICATE-----"
            />
          )}
        </Field>
        <button type="submit" className="btn primary" disabled={update.pending}>
          {update.pending ? "Saving…" : "Save settings"}
        </button>
      </form>
    </section>
  );
}

function Connectors({
  gatewayId,
  connectors,
  secretsByConnector,
  editable,
}: {
  gatewayId: string;
  connectors: Array<{ id: string; name: string; type: string; domains: string[]; upstream: string | null }>;
  secretsByConnector: Map<string, string>;
  editable: boolean;
}) {
  const { orgId } = useSession();
  const [problems, setProblems] = useState<string[]>([]);
  const add = useMutation((input: Inputs["connectors"]["add"]) => api.connectors.add.mutate(input), {
    invalidates: ["gateways.get", "accessRules.", "bundles."],
    onSuccess: (r) => setProblems(r.ok ? [] : r.errors.map((e) => `${e.path} ${e.message}`.trim())),
  });
  const remove = useMutation((connectorId: string) => api.connectors.remove.mutate({ orgId, connectorId }), {
    invalidates: ["gateways.get", "accessRules.", "vault.", "bundles."],
    onSuccess: (r) => setProblems(r.ok ? [] : r.errors.map((e) => `${e.path} ${e.message}`.trim())),
  });
  return (
    <>
      <ErrorNote failure={add.failure ?? remove.failure} />
      {problems.length === 0 ? null : (
        <div className="note error" role="alert">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </div>
      )}
      {connectors.length === 0 ? (
        <p className="muted" style={{ marginBottom: 12 }}>
          No connectors: this gateway denies every request. Add the APIs your agents call.
        </p>
      ) : (
        <div className="table-wrap" style={{ marginBottom: 12 }}>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Domains</th>
                <th>Credential</th>
                {editable ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {connectors.map((c) => (
                <tr key={c.id}>
                  <td>
                    <code>{c.name}</code>
                  </td>
                  <td>{c.type}</td>
                  <td className="truncate">
                    {c.domains.length === 0 ? <span className="faint">default</span> : c.domains.join(", ")}
                    {c.upstream === null ? null : <div className="sub">→ {c.upstream}</div>}
                  </td>
                  <td>
                    {secretsByConnector.has(c.id) ? (
                      <span className="mono">••••{secretsByConnector.get(c.id)}</span>
                    ) : (
                      <span className="faint">none</span>
                    )}
                  </td>
                  {editable ? (
                    <td>
                      <ConfirmButton
                        confirmLabel={`Remove ${c.name}`}
                        onConfirm={() => void remove.run(c.id)}
                      >
                        Remove
                      </ConfirmButton>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable ? (
        <ConnectorForm
          taken={connectors.map((c) => c.name)}
          pending={add.pending}
          onAdd={(connector) => void add.run({ orgId, gatewayId, connector })}
        />
      ) : null}
    </>
  );
}

function RulesForm({
  gatewayId,
  initial,
  editable,
}: {
  gatewayId: string;
  initial: Record<string, ConnectorRules>;
  editable: boolean;
}) {
  const { orgId } = useSession();
  const [value, setValue] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const save = useMutation((input: Inputs["accessRules"]["set"]) => api.accessRules.set.mutate(input), {
    invalidates: ["accessRules.", "bundles."],
    onSuccess: (r) => {
      setProblems(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`));
      setSaved(r.ok);
    },
  });
  return (
    <>
      <ErrorNote failure={save.failure} />
      {problems.length === 0 ? null : (
        <div className="note error" role="alert">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </div>
      )}
      {saved ? <Note kind="success">Access rules saved.</Note> : null}
      <AccessRulesEditor value={value} onChange={setValue} errors={errors} disabled={!editable} />
      {editable && Object.keys(value).length > 0 ? (
        <button
          type="button"
          className="btn primary"
          style={{ marginTop: 12 }}
          disabled={save.pending}
          onClick={() => {
            setSaved(false);
            const found = checkAccessRules(value);
            setErrors(found);
            if (Object.keys(found).length === 0)
              void save.run({ orgId, gatewayId, rules: toAccessRules(value) });
          }}
        >
          {save.pending ? "Saving…" : "Save access rules"}
        </button>
      ) : null}
    </>
  );
}

function TokenCard({ gatewayId, editable }: { gatewayId: string; editable: boolean }) {
  const { orgId } = useSession();
  const [issued, setIssued] = useState<{ gatewayId: string; token: string } | null>(null);
  const rotate = useMutation(() => api.gateways.rotateToken.mutate({ orgId, gatewayId }), {
    invalidates: ["gateways."],
    onSuccess: (r) => setIssued({ gatewayId: r.gateway.id, token: r.token }),
  });
  const revoke = useMutation(() => api.gateways.revoke.mutate({ orgId, gatewayId }), {
    invalidates: ["gateways."],
  });
  return (
    <section className="card" aria-labelledby="gw-token">
      <h2 id="gw-token" style={{ marginBottom: 10 }}>
        Token
      </h2>
      <ErrorNote failure={rotate.failure ?? revoke.failure} />
      {issued === null ? (
        <p className="muted" style={{ marginBottom: 12 }}>
          Rotating issues a new token and stops the old one at once: run <code>tf init</code> again with the
          new one. Revoking stops this gateway for good; its audit history stays.
        </p>
      ) : (
        <TokenReveal gatewayId={issued.gatewayId} token={issued.token} />
      )}
      {editable ? (
        <div className="inline-form" style={{ marginTop: 12 }}>
          <ConfirmButton
            tone="primary"
            confirmLabel="Rotate now"
            onConfirm={() => void rotate.run(undefined)}
            disabled={rotate.pending}
          >
            Rotate token
          </ConfirmButton>
          <ConfirmButton
            confirmLabel="Revoke for good"
            onConfirm={() => void revoke.run(undefined)}
            disabled={revoke.pending}
          >
            Revoke gateway
          </ConfirmButton>
        </div>
      ) : (
        <p className="hint">Rotating and revoking need the admin role.</p>
      )}
    </section>
  );
}
