"use client";

import { gatewayNameSchema } from "@tameflare/api";
import { type EnforcementLevel, enforcementLevels } from "@tameflare/contracts";
import Link from "next/link";
import { useState } from "react";
import {
  AccessRulesEditor,
  type ConnectorRules,
  checkAccessRules,
  toAccessRules,
} from "../../../../components/access-rules-editor.tsx";
import { type ConnectorDraft, ConnectorForm } from "../../../../components/connector-form.tsx";
import { useSession } from "../../../../components/session.tsx";
import { TokenReveal } from "../../../../components/token-reveal.tsx";
import { BackLink, ErrorNote, Field, Note, PageHeader } from "../../../../components/ui.tsx";
import { api } from "../../../../lib/api.ts";
import { describeFailure, type Failure } from "../../../../lib/errors.ts";
import { enforcementHelp } from "../../../../lib/format.ts";
import { invalidate } from "../../../../lib/use-api.ts";

const steps = ["Name", "Connectors", "Credentials", "Access rules", "Enforcement", "Done"] as const;

interface Created {
  gatewayId: string;
  token: string;
  problems: string[];
}

export default function NewGatewayPage() {
  const { orgId, can } = useSession();
  const [step, setStep] = useState(0);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [nameError, setNameError] = useState<string | undefined>();
  const [connectors, setConnectors] = useState<ConnectorDraft[]>([]);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [rules, setRules] = useState<Record<string, ConnectorRules>>({});
  const [ruleErrors, setRuleErrors] = useState<Record<string, string>>({});
  const [enforcement, setEnforcement] = useState<EnforcementLevel>("full");
  const [creating, setCreating] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  if (!can("admin")) {
    return (
      <>
        <PageHeader title="New gateway" />
        <Note kind="info">
          Creating gateways needs the admin role or higher. Ask an admin of this organization.
        </Note>
      </>
    );
  }

  const nameOf = (c: ConnectorDraft) => c.name ?? c.type;

  function next() {
    if (step === 0) {
      const parsed = gatewayNameSchema.safeParse(name);
      setNameError(parsed.success ? undefined : parsed.error.issues[0]?.message);
      if (!parsed.success) return;
    }
    if (step === 3) {
      const errors = checkAccessRules(rules);
      setRuleErrors(errors);
      if (Object.keys(errors).length > 0) return;
    }
    setStep(step + 1);
  }

  async function create() {
    setCreating(true);
    setFailure(null);
    const problems: string[] = [];
    let issued: { gatewayId: string; token: string };
    try {
      const result = await api.gateways.create.mutate({
        orgId,
        name: name.trim(),
        enforcement,
        ...(description.trim() === "" ? {} : { description: description.trim() }),
      });
      issued = { gatewayId: result.gateway.id, token: result.token };
    } catch (error) {
      setFailure(describeFailure(error));
      setCreating(false);
      return;
    }
    // The gateway exists from here on: whatever fails next is reported beside its token.
    const ids = new Map<string, string>();
    for (const c of connectors) {
      try {
        const added = await api.connectors.add.mutate({ orgId, gatewayId: issued.gatewayId, connector: c });
        if (added.ok) ids.set(nameOf(c), added.value.id);
        else problems.push(`connector ${nameOf(c)}: ${added.errors.map((e) => e.message).join("; ")}`);
      } catch (error) {
        problems.push(`connector ${nameOf(c)}: ${describeFailure(error).message}`);
      }
    }
    for (const [connector, value] of Object.entries(secrets)) {
      const connectorId = ids.get(connector);
      if (value === "" || connectorId === undefined) continue;
      try {
        await api.vault.setSecret.mutate({ orgId, gatewayId: issued.gatewayId, connectorId, value });
      } catch (error) {
        problems.push(`credential for ${connector}: ${describeFailure(error).message}`);
      }
    }
    const accessRules = toAccessRules(Object.fromEntries(Object.entries(rules).filter(([n]) => ids.has(n))));
    if (accessRules.length > 0) {
      try {
        const set = await api.accessRules.set.mutate({
          orgId,
          gatewayId: issued.gatewayId,
          rules: accessRules,
        });
        if (!set.ok)
          problems.push(`access rules: ${set.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
      } catch (error) {
        problems.push(`access rules: ${describeFailure(error).message}`);
      }
    }
    invalidate("gateways.");
    setCreated({ ...issued, problems });
    setStep(5);
    setCreating(false);
  }

  return (
    <>
      <BackLink href="/gateways">Gateways</BackLink>
      <PageHeader
        title="New gateway"
        description="Five short steps; nothing is saved until you press Create."
      />
      <ol className="steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li
            key={s}
            className={i < step ? "done" : undefined}
            aria-current={i === step ? "step" : undefined}
          >
            {s}
          </li>
        ))}
      </ol>
      <section className="card" aria-labelledby="step-title">
        <h2 id="step-title" style={{ marginBottom: 14 }}>
          {steps[step]}
        </h2>

        {step === 0 ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              next();
            }}
          >
            <Field
              label="Gateway name"
              hint="Letters, digits, “_”, “.” or “-”, e.g. dev-bot or prod-agents."
              error={nameError}
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  value={name}
                  onChange={(e) => {
                    setName(e.target.value);
                    if (nameError !== undefined) {
                      const parsed = gatewayNameSchema.safeParse(e.target.value);
                      setNameError(parsed.success ? undefined : parsed.error.issues[0]?.message);
                    }
                  }}
                  required
                />
              )}
            </Field>
            <Field label="Description" hint="Optional: what runs behind it.">
              {(p) => (
                <input
                  {...p}
                  type="text"
                  value={description}
                  onChange={(e) => setDescription(e.target.value)}
                />
              )}
            </Field>
            <div className="wizard-nav">
              <span />
              <button type="submit" className="btn primary">
                Next: connectors
              </button>
            </div>
          </form>
        ) : null}

        {step === 1 ? (
          <>
            <p className="muted" style={{ marginBottom: 12 }}>
              A connector is an API your agents may call through this gateway. Requests to any other host are
              denied.
            </p>
            {connectors.length === 0 ? null : (
              <ul className="bar-list" style={{ marginBottom: 14 }} aria-label="Connectors added">
                {connectors.map((c) => (
                  <li key={nameOf(c)}>
                    <span>
                      <code>{nameOf(c)}</code> <span className="muted">({c.type})</span>
                      {c.domains === undefined ? null : (
                        <span className="muted"> · {c.domains.join(", ")}</span>
                      )}
                      {c.upstream === undefined ? null : <span className="muted"> → {c.upstream}</span>}
                    </span>
                    <button
                      type="button"
                      className="btn small"
                      onClick={() => {
                        setConnectors(connectors.filter((x) => x !== c));
                        const { [nameOf(c)]: _gone, ...rest } = rules;
                        setRules(rest);
                      }}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <ConnectorForm
              taken={connectors.map(nameOf)}
              onAdd={(c) => {
                setConnectors([...connectors, c]);
                setRules({ ...rules, [nameOf(c)]: { preset: "read_only", custom: [] } });
              }}
            />
            <div className="wizard-nav">
              <button type="button" className="btn" onClick={() => setStep(0)}>
                Back
              </button>
              <button type="button" className="btn primary" onClick={next}>
                {connectors.length === 0 ? "Skip: add connectors later" : "Next: credentials"}
              </button>
            </div>
          </>
        ) : null}

        {step === 2 ? (
          <>
            <p className="muted" style={{ marginBottom: 12 }}>
              Paste each API key. It goes straight into the vault, encrypted; nobody can read it back, and
              agents only ever hold a dummy value. The gateway injects the real key on allowed calls.
            </p>
            {connectors.length === 0 ? <p className="muted">No connectors: nothing to store.</p> : null}
            {connectors.map((c) => (
              <Field
                key={nameOf(c)}
                label={`Credential for ${nameOf(c)}`}
                hint="Optional: leave empty to add it later from the vault."
              >
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    autoComplete="off"
                    value={secrets[nameOf(c)] ?? ""}
                    onChange={(e) => setSecrets({ ...secrets, [nameOf(c)]: e.target.value })}
                  />
                )}
              </Field>
            ))}
            <div className="wizard-nav">
              <button type="button" className="btn" onClick={() => setStep(1)}>
                Back
              </button>
              <button type="button" className="btn primary" onClick={next}>
                Next: access rules
              </button>
            </div>
          </>
        ) : null}

        {step === 3 ? (
          <>
            <AccessRulesEditor value={rules} onChange={setRules} errors={ruleErrors} />
            <div className="wizard-nav">
              <button type="button" className="btn" onClick={() => setStep(2)}>
                Back
              </button>
              <button type="button" className="btn primary" onClick={next}>
                Next: enforcement
              </button>
            </div>
          </>
        ) : null}

        {step === 4 ? (
          <>
            <fieldset>
              <legend>Enforcement level</legend>
              {enforcementLevels.map((level) => (
                <label key={level} className="choice">
                  <input
                    type="radio"
                    name="enforcement"
                    value={level}
                    checked={enforcement === level}
                    onChange={() => setEnforcement(level)}
                  />
                  <span>
                    <strong>{level}</strong>
                    <span>{enforcementHelp[level]}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <h3 style={{ margin: "6px 0" }}>Summary</h3>
            <dl className="kv">
              <dt>Name</dt>
              <dd>{name}</dd>
              <dt>Connectors</dt>
              <dd>{connectors.length === 0 ? "none yet" : connectors.map(nameOf).join(", ")}</dd>
              <dt>Credentials</dt>
              <dd>{Object.values(secrets).filter((v) => v !== "").length} to store in the vault</dd>
              <dt>Access rules</dt>
              <dd>{toAccessRules(rules).length} rules</dd>
            </dl>
            <ErrorNote failure={failure} prefix="The gateway was not created." />
            <div className="wizard-nav">
              <button type="button" className="btn" onClick={() => setStep(3)} disabled={creating}>
                Back
              </button>
              <button type="button" className="btn primary" onClick={() => void create()} disabled={creating}>
                {creating ? "Creating…" : "Create gateway"}
              </button>
            </div>
          </>
        ) : null}

        {step === 5 && created !== null ? (
          <>
            {created.problems.length === 0 ? (
              <Note kind="success">
                Gateway <strong>{name}</strong> is ready.
              </Note>
            ) : (
              <div className="note error" role="alert">
                The gateway was created, but some settings were not saved: fix them on its page.
                <ul>
                  {created.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            )}
            <TokenReveal gatewayId={created.gatewayId} token={created.token} />
            <div className="wizard-nav">
              <Link className="btn" href="/gateways">
                All gateways
              </Link>
              <Link className="btn primary" href={`/gateways/${created.gatewayId}`}>
                I copied the token: open the gateway
              </Link>
            </div>
          </>
        ) : null}
      </section>
    </>
  );
}
