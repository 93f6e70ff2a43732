"use client";

import { saveSlackSettingsInput } from "@tameflare/api";
import { type Role, roles } from "@tameflare/contracts";
import { useState } from "react";
import { KillSwitchControl } from "../../../components/kill-switch-control.tsx";
import { useSession } from "../../../components/session.tsx";
import {
  ConfirmButton,
  CopyButton,
  ErrorNote,
  Field,
  Loading,
  Note,
  PageHeader,
  RelativeTime,
} from "../../../components/ui.tsx";
import { api, type Inputs } from "../../../lib/api.ts";
import { zodFields } from "../../../lib/errors.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { invalidate, useApi, useMutation } from "../../../lib/use-api.ts";

const sections = [
  { id: "organization", label: "Organization" },
  { id: "members", label: "Members" },
  { id: "invites", label: "Invites" },
  { id: "slack", label: "Slack" },
  { id: "kill-switch", label: "Kill switch" },
  { id: "config", label: "Export / import" },
  { id: "tokens", label: "API tokens" },
] as const;

export default function SettingsPage() {
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your organization, its people, Slack, the kill switch and configuration as code."
      />
      <nav aria-label="Settings sections" className="checks" style={{ marginBottom: 16 }}>
        {sections.map((s) => (
          <a key={s.id} href={`#${s.id}`}>
            {s.label}
          </a>
        ))}
      </nav>
      <div className="stack">
        <Organization />
        <Members />
        <Invites />
        <Slack />
        <section className="card" id="kill-switch" aria-labelledby="ks-title">
          <div className="card-header">
            <h2 id="ks-title">Kill switch</h2>
            <p>
              Stops traffic at once: everything, one connector, or one gateway. Owners only; recorded with who
              and why.
            </p>
          </div>
          <KillSwitchControl />
          <KillSwitchHistory />
        </section>
        <ConfigAsCode />
        <ApiTokens />
      </div>
    </>
  );
}

function Organization() {
  const { orgId, orgName, can } = useSession();
  const [name, setName] = useState(orgName);
  const [saved, setSaved] = useState(false);
  const rename = useMutation((input: Inputs["orgs"]["update"]) => api.orgs.update.mutate(input), {
    invalidates: ["auth.me"],
    onSuccess: () => setSaved(true),
  });
  return (
    <section className="card" id="organization" aria-labelledby="org-title">
      <h2 id="org-title" style={{ marginBottom: 12 }}>
        Organization
      </h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void rename.run({ orgId, name });
        }}
      >
        <Field label="Name" error={rename.failure?.fields.name}>
          {(p) => (
            <input
              {...p}
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={!can("admin")}
            />
          )}
        </Field>
        {can("admin") ? (
          <button type="submit" className="btn" disabled={rename.pending}>
            Rename
          </button>
        ) : null}
      </form>
      <ErrorNote failure={rename.failure} />
      {saved ? <Note kind="success">Renamed.</Note> : null}
      <p className="hint" style={{ marginTop: 8 }}>
        Id <code>{orgId}</code>
      </p>
    </section>
  );
}

function Members() {
  const { orgId, can, me } = useSession();
  const members = useApi(`members.list/${orgId}`, () => api.members.list.query({ orgId }));
  const setRole = useMutation((input: Inputs["members"]["setRole"]) => api.members.setRole.mutate(input), {
    invalidates: ["members.", "auth.me"],
  });
  const remove = useMutation((userId: string) => api.members.remove.mutate({ orgId, userId }), {
    invalidates: ["members."],
  });
  const owner = can("owner");
  return (
    <section className="card" id="members" aria-labelledby="members-title">
      <div className="card-header">
        <h2 id="members-title">Members</h2>
        <p>
          Viewers see everything; members also decide approvals; admins edit gateways, policies and the vault;
          owners manage people and the kill switch.
        </p>
      </div>
      <ErrorNote failure={members.failure ?? setRole.failure ?? remove.failure} />
      {members.data === undefined ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Person</th>
                <th>Role</th>
                <th className="hide-phone">Last login</th>
                {owner ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.userId}>
                  <td>
                    {m.user.name ?? m.user.email}
                    {m.user.name === null ? null : <div className="sub">{m.user.email}</div>}
                    {m.userId === me.user.id ? <div className="sub">you</div> : null}
                  </td>
                  <td>
                    {owner ? (
                      <select
                        aria-label={`Role of ${m.user.email}`}
                        value={m.role}
                        onChange={(e) =>
                          void setRole.run({ orgId, userId: m.userId, role: e.target.value as Role })
                        }
                        disabled={setRole.pending}
                      >
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td className="hide-phone">
                    <RelativeTime iso={m.user.lastLoginAt} />
                  </td>
                  {owner ? (
                    <td>
                      {m.userId === me.user.id ? null : (
                        <ConfirmButton
                          confirmLabel={`Remove ${m.user.email}`}
                          onConfirm={() => void remove.run(m.userId)}
                        >
                          Remove
                        </ConfirmButton>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {owner ? null : (
        <p className="hint" style={{ marginTop: 8 }}>
          Changing roles and removing people needs the owner role.
        </p>
      )}
    </section>
  );
}

function Invites() {
  const { orgId, can } = useSession();
  const admin = can("admin");
  const invites = useApi(admin ? `invites.list/${orgId}` : null, () => api.invites.list.query({ orgId }));
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const create = useMutation((input: Inputs["invites"]["create"]) => api.invites.create.mutate(input), {
    invalidates: ["invites."],
    onSuccess: (r) => {
      setLink({ email: r.invite.email, url: r.url });
      setEmail("");
    },
  });
  const revoke = useMutation((inviteId: string) => api.invites.revoke.mutate({ orgId, inviteId }), {
    invalidates: ["invites."],
  });
  return (
    <section className="card" id="invites" aria-labelledby="invites-title">
      <div className="card-header">
        <h2 id="invites-title">Invites</h2>
        <p>Single-use links that expire after 7 days.</p>
      </div>
      {!admin ? (
        <p className="muted">Inviting people needs the admin role.</p>
      ) : (
        <>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              setLink(null);
              void create.run({ orgId, email, role });
            }}
          >
            <div className="field" style={{ flex: "1 1 240px" }}>
              <label htmlFor="invite-email">Email</label>
              <input
                id="invite-email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
              />
            </div>
            <div className="field">
              <label htmlFor="invite-role">Role</label>
              <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {roles.map((r) => (
                  <option key={r} value={r} disabled={r === "owner" && !can("owner")}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn primary" disabled={create.pending}>
              Create invite link
            </button>
          </form>
          <ErrorNote failure={create.failure ?? revoke.failure} />
          {link === null ? null : (
            <div className="note success" role="status" style={{ marginTop: 12 }}>
              Send this link to {link.email} (shown once):
              <div className="inline-form" style={{ marginTop: 6 }}>
                <code data-testid="invite-url" style={{ overflowWrap: "anywhere" }}>
                  {link.url}
                </code>
                <CopyButton text={link.url} />
              </div>
            </div>
          )}
          {invites.data === undefined ? null : invites.data.length === 0 ? (
            <p className="muted" style={{ marginTop: 12 }}>
              No pending invites.
            </p>
          ) : (
            <ul className="bar-list" style={{ marginTop: 12 }}>
              {invites.data.map((i) => (
                <li key={i.id}>
                  <span>
                    {i.email}{" "}
                    <span className="muted">
                      as {i.role} · expires {formatDateTime(i.expiresAt)}
                    </span>
                  </span>
                  <ConfirmButton confirmLabel="Revoke invite" onConfirm={() => void revoke.run(i.id)}>
                    Revoke
                  </ConfirmButton>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Slack() {
  const { orgId, can } = useSession();
  const admin = can("admin");
  const settings = useApi(`slack.getSettings/${orgId}`, () => api.slack.getSettings.query({ orgId }));
  const [mode, setMode] = useState<"bot" | "webhook">("bot");
  const [form, setForm] = useState({ channel: "", botToken: "", signingSecret: "", webhookUrl: "" });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const [test, setTest] = useState<string | null>(null);
  const save = useMutation((input: Inputs["slack"]["saveSettings"]) => api.slack.saveSettings.mutate(input), {
    invalidates: ["slack."],
    onSuccess: () => {
      setSaved(true);
      setForm({ channel: "", botToken: "", signingSecret: "", webhookUrl: "" });
    },
  });
  const sendTest = useMutation(() => api.slack.sendTest.mutate({ orgId }), {
    onSuccess: (r) =>
      setTest(
        r.delivered
          ? `Delivered through the ${r.via}. Check the channel.`
          : `Slack refused it: ${r.error ?? "unknown error"}`,
      ),
  });
  const s = settings.data;
  return (
    <section className="card" id="slack" aria-labelledby="slack-title">
      <div className="card-header">
        <h2 id="slack-title">Slack</h2>
        <p>
          Approval requests are posted to Slack with signed approve/deny links that open a confirmation page
          here.
        </p>
      </div>
      <ErrorNote failure={settings.failure} />
      {s === undefined ? (
        <Loading />
      ) : (
        <p style={{ marginBottom: 12 }}>
          {s.configured ? (
            <span className="badge ok">connected</span>
          ) : (
            <span className="badge">not configured</span>
          )}{" "}
          <span className="muted">
            {s.mode === null ? "" : `${s.mode === "bot" ? "bot token" : "incoming webhook"}`}
            {s.channel === null ? "" : ` · ${s.channel}`}
            {s.interactive ? " · interactive buttons on" : ""}
            {s.updatedAt === null ? "" : ` · updated ${formatDateTime(s.updatedAt)}`}
          </span>
        </p>
      )}
      {admin ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(false);
            const input: Inputs["slack"]["saveSettings"] = { orgId };
            if (mode === "bot") {
              if (form.channel !== "") input.channel = form.channel;
              if (form.botToken !== "") input.botToken = form.botToken;
              if (form.signingSecret !== "") input.signingSecret = form.signingSecret;
            } else if (form.webhookUrl !== "") input.webhookUrl = form.webhookUrl;
            const parsed = saveSlackSettingsInput.safeParse(input);
            setFields(parsed.success ? {} : zodFields(parsed.error.issues));
            if (parsed.success) void save.run(input);
          }}
        >
          <fieldset>
            <legend>Send with</legend>
            <label className="choice">
              <input
                type="radio"
                name="slack-mode"
                checked={mode === "bot"}
                onChange={() => setMode("bot")}
              />
              <span>
                <strong>A Slack app (bot token)</strong>
                <span>
                  chat.postMessage to a channel; with the signing secret, approve/deny buttons work inside
                  Slack.
                </span>
              </span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="slack-mode"
                checked={mode === "webhook"}
                onChange={() => setMode("webhook")}
              />
              <span>
                <strong>An incoming webhook</strong>
                <span>Simplest: messages with approve/deny links.</span>
              </span>
            </label>
          </fieldset>
          {mode === "bot" ? (
            <div className="grid grid-3">
              <Field
                label="Channel"
                hint={
                  s?.channel === null || s === undefined ? "#approvals or a channel id" : `now ${s.channel}`
                }
                error={fields.channel ?? save.failure?.fields.channel}
              >
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    value={form.channel}
                    onChange={(e) => setForm({ ...form, channel: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Bot token"
                hint={s?.botTokenSet ? "set · leave empty to keep" : "xoxb-…"}
                error={fields.botToken ?? save.failure?.fields.botToken}
              >
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    autoComplete="off"
                    value={form.botToken}
                    onChange={(e) => setForm({ ...form, botToken: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Signing secret"
                hint={s?.signingSecretSet ? "set · leave empty to keep" : "optional: enables buttons"}
                error={fields.signingSecret ?? save.failure?.fields.signingSecret}
              >
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    autoComplete="off"
                    value={form.signingSecret}
                    onChange={(e) => setForm({ ...form, signingSecret: e.target.value })}
                  />
                )}
              </Field>
            </div>
          ) : (
            <Field
              label="Incoming webhook URL"
              hint={s?.webhookUrlSet ? "set · leave empty to keep" : "https://hooks.slack.com/services/…"}
              error={fields.webhookUrl ?? save.failure?.fields.webhookUrl}
            >
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="off"
                  value={form.webhookUrl}
                  onChange={(e) => setForm({ ...form, webhookUrl: e.target.value })}
                />
              )}
            </Field>
          )}
          <ErrorNote failure={save.failure ?? sendTest.failure} />
          {saved ? <Note kind="success">Saved. Secrets are sealed and never shown again.</Note> : null}
          {test === null ? null : (
            <Note kind={test.startsWith("Delivered") ? "success" : "error"}>{test}</Note>
          )}
          <div className="inline-form">
            <button type="submit" className="btn primary" disabled={save.pending}>
              Save Slack settings
            </button>
            <button
              type="button"
              className="btn"
              disabled={sendTest.pending || s?.configured !== true}
              onClick={() => void sendTest.run(undefined)}
            >
              {sendTest.pending ? "Sending…" : "Send test message"}
            </button>
          </div>
        </form>
      ) : (
        <p className="hint">Changing the Slack integration needs the admin role.</p>
      )}
    </section>
  );
}

function KillSwitchHistory() {
  const { orgId } = useSession();
  const history = useApi(
    `killSwitch.list/${orgId}/history`,
    () => api.killSwitch.list.query({ orgId, history: true }),
    {
      intervalMs: 10_000,
    },
  );
  const members = useApi(`members.list/${orgId}`, () => api.members.list.query({ orgId }));
  const who = (id: string | null) =>
    id === null ? "—" : (members.data?.find((m) => m.userId === id)?.user.email ?? id);
  if (history.data === undefined || history.data.length === 0) return null;
  return (
    <details style={{ marginTop: 14 }}>
      <summary>History</summary>
      <div className="table-wrap" style={{ marginTop: 8 }}>
        <table>
          <thead>
            <tr>
              <th>Scope</th>
              <th>Reason</th>
              <th>Activated</th>
              <th>Lifted</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((k) => (
              <tr key={k.id}>
                <td>
                  {k.scope}
                  {k.target === null ? "" : ` · ${k.target}`}
                </td>
                <td>{k.reason ?? "—"}</td>
                <td>
                  {formatDateTime(k.activatedAt)}
                  <div className="sub">{who(k.activatedBy)}</div>
                </td>
                <td>
                  {k.deactivatedAt === null ? (
                    <span className="badge deny">active</span>
                  ) : (
                    formatDateTime(k.deactivatedAt)
                  )}
                  {k.deactivatedBy === null ? null : <div className="sub">{who(k.deactivatedBy)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function ConfigAsCode() {
  const { orgId, can } = useSession();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const [gatewayId, setGatewayId] = useState("");
  const chosen = gatewayId !== "" ? gatewayId : (gateways.data?.[0]?.id ?? "");
  const exported = useApi(chosen === "" ? null : `config.export/${orgId}/${chosen}`, () =>
    api.config.export.query({ orgId, gatewayId: chosen }),
  );
  const [yaml, setYaml] = useState("");
  const [result, setResult] = useState<
    { ok: true; summary: string } | { ok: false; errors: string[] } | null
  >(null);
  const doImport = useMutation((input: Inputs["config"]["import"]) => api.config.import.mutate(input), {
    onSuccess: (r) => {
      invalidate("config.", "gateways.", "policies.", "accessRules.", "bundles.", "connectors.");
      if (!r.ok) {
        setResult({
          ok: false,
          errors: r.errors.map(
            (e) =>
              `${e.line === undefined ? "" : `line ${e.line}: `}${e.path === "" ? "" : `${e.path}: `}${e.message}`,
          ),
        });
        return;
      }
      const v = r.value;
      setResult({
        ok: true,
        summary: `Connectors +${v.connectors.added.length} ~${v.connectors.updated.length} −${v.connectors.removed.length}; ${v.accessRules} access rules; ${v.rateLimits} rate limits; policies +${v.policies.created.length} ~${v.policies.updated.length} −${v.policies.removed.length}.`,
      });
    },
  });
  const download = () => {
    if (exported.data === undefined) return;
    const blob = new Blob([exported.data.yaml], { type: "text/yaml" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `tameflare-${gateways.data?.find((g) => g.id === chosen)?.name ?? chosen}.yaml`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <section className="card" id="config" aria-labelledby="config-title">
      <div className="card-header">
        <h2 id="config-title">Configuration as code</h2>
        <p>
          A gateway's connectors, rules and policies as one tameflare.yaml, without secrets. Import makes a
          gateway match a file.
        </p>
      </div>
      {gateways.data !== undefined && gateways.data.length === 0 ? (
        <p className="muted">Create a gateway first.</p>
      ) : (
        <>
          <div className="field" style={{ maxWidth: 320 }}>
            <label htmlFor="config-gateway">Gateway</label>
            <select id="config-gateway" value={chosen} onChange={(e) => setGatewayId(e.target.value)}>
              {(gateways.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
          <ErrorNote failure={exported.failure} />
          {exported.data === undefined ? null : (
            <>
              <div className="inline-form" style={{ marginBottom: 8 }}>
                <button type="button" className="btn" onClick={download}>
                  Download YAML
                </button>
                <CopyButton text={exported.data.yaml} label="Copy YAML" />
              </div>
              {exported.data.secretsOmitted.length === 0 ? null : (
                <p className="hint" style={{ marginBottom: 8 }}>
                  Secrets stay in the vault: the file names{" "}
                  {exported.data.secretsOmitted.map((s) => `${s.env} (${s.connector})`).join(", ")} instead.
                </p>
              )}
              <pre className="json" style={{ maxHeight: 240 }}>
                {exported.data.yaml}
              </pre>
            </>
          )}
          {can("admin") ? (
            <form style={{ marginTop: 14 }} onSubmit={(e) => e.preventDefault()}>
              <Field
                label="Import a tameflare.yaml into this gateway"
                hint="Paste the file or choose it. Validated first; applied in one transaction. Secrets and kill switches are refused."
              >
                {(p) => (
                  <textarea
                    {...p}
                    className="mono"
                    rows={8}
                    value={yaml}
                    onChange={(e) => setYaml(e.target.value)}
                  />
                )}
              </Field>
              <div className="inline-form">
                <label className="btn">
                  Choose file
                  <input
                    type="file"
                    accept=".yaml,.yml,text/yaml"
                    className="visually-hidden"
                    onChange={(e) => void e.target.files?.[0]?.text().then(setYaml)}
                  />
                </label>
                <ConfirmButton
                  tone="primary"
                  confirmLabel="Replace this gateway's configuration"
                  onConfirm={() => {
                    setResult(null);
                    void doImport.run({ orgId, gatewayId: chosen, source: { yaml } });
                  }}
                  disabled={yaml.trim() === "" || doImport.pending}
                >
                  Import
                </ConfirmButton>
              </div>
              <ErrorNote failure={doImport.failure} />
              {result === null ? null : result.ok ? (
                <Note kind="success">Imported. {result.summary}</Note>
              ) : (
                <div className="note error" role="alert">
                  The file was not imported:
                  <ul>
                    {result.errors.map((e) => (
                      <li key={e}>{e}</li>
                    ))}
                  </ul>
                </div>
              )}
            </form>
          ) : (
            <p className="hint" style={{ marginTop: 10 }}>
              Importing needs the admin role.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function ApiTokens() {
  const { orgId } = useSession();
  const tokens = useApi(`apiTokens.list/${orgId}`, () => api.apiTokens.list.query({ orgId }));
  const [name, setName] = useState("");
  const [issued, setIssued] = useState<string | null>(null);
  const create = useMutation((input: Inputs["apiTokens"]["create"]) => api.apiTokens.create.mutate(input), {
    invalidates: ["apiTokens."],
    onSuccess: (r) => {
      setIssued(r.token);
      setName("");
    },
  });
  const revoke = useMutation((tokenId: string) => api.apiTokens.revoke.mutate({ orgId, tokenId }), {
    invalidates: ["apiTokens."],
  });
  return (
    <section className="card" id="tokens" aria-labelledby="tokens-title">
      <div className="card-header">
        <h2 id="tokens-title">Personal API tokens</h2>
        <p>For scripts and CI: a token acts with your role in this organization.</p>
      </div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setIssued(null);
          void create.run({ orgId, name });
        }}
      >
        <div className="field" style={{ flex: "1 1 240px" }}>
          <label htmlFor="token-name">Token name</label>
          <input
            id="token-name"
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            placeholder="ci-deploy"
          />
        </div>
        <button type="submit" className="btn" disabled={create.pending}>
          Create token
        </button>
      </form>
      <ErrorNote failure={create.failure ?? revoke.failure ?? tokens.failure} />
      {issued === null ? null : (
        <div className="note success" role="status" style={{ marginTop: 12 }}>
          Copy it now, it is shown once:
          <div className="inline-form" style={{ marginTop: 6 }}>
            <code>{issued}</code>
            <CopyButton text={issued} />
          </div>
        </div>
      )}
      {tokens.data === undefined || tokens.data.length === 0 ? null : (
        <ul className="bar-list" style={{ marginTop: 12 }}>
          {tokens.data.map((t) => (
            <li key={t.id}>
              <span>
                {t.name} <code>{t.tokenPrefix}…</code>{" "}
                <span className="muted">
                  {t.revokedAt === null ? (
                    <>
                      last used <RelativeTime iso={t.lastUsedAt} />
                    </>
                  ) : (
                    "revoked"
                  )}
                </span>
              </span>
              {t.revokedAt === null ? (
                <ConfirmButton confirmLabel="Revoke token" onConfirm={() => void revoke.run(t.id)}>
                  Revoke
                </ConfirmButton>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
