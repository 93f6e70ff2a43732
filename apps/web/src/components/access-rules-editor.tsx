"use client";

import { type AccessRule, accessRuleSchema, type DecisionKind, decisions } from "@tameflare/contracts";
import { decisionLabels } from "../lib/format.ts";

export const presetChoices = [
  { id: "allow_all", label: "Allow all", help: "Every action of this connector goes through." },
  { id: "read_only", label: "Read only", help: "Reads go through; anything that writes is denied." },
  {
    id: "require_approval",
    label: "Require approval",
    help: "Every action waits for a human to approve it.",
  },
  {
    id: "none",
    label: "Custom patterns only",
    help: "Only the patterns below decide; anything else is denied.",
  },
] as const;

export type PresetChoice = (typeof presetChoices)[number]["id"];

export interface CustomRule {
  action: string;
  decision: DecisionKind;
}

export interface ConnectorRules {
  preset: PresetChoice;
  custom: CustomRule[];
}

/** The editor's state as the access rules `accessRules.set` stores (presets first, then patterns). */
export function toAccessRules(byConnector: Record<string, ConnectorRules>): AccessRule[] {
  const rules: AccessRule[] = [];
  for (const [connector, r] of Object.entries(byConnector)) {
    if (r.preset !== "none") rules.push({ connector, preset: r.preset });
    for (const c of r.custom) rules.push({ connector, action: c.action.trim(), decision: c.decision });
  }
  return rules;
}

/** Stored access rules back into the editor's state (one entry per connector). */
export function fromAccessRules(
  records: ReadonlyArray<{
    connector: string;
    preset: string | null;
    action: string | null;
    decision: string | null;
  }>,
  connectors: readonly string[],
): Record<string, ConnectorRules> {
  const out: Record<string, ConnectorRules> = {};
  for (const name of connectors) out[name] = { preset: "none", custom: [] };
  for (const r of records) {
    const entry = out[r.connector] ?? { preset: "none", custom: [] };
    out[r.connector] = entry;
    if (r.preset !== null && r.preset !== "custom") entry.preset = r.preset as PresetChoice;
    else if (r.action !== null && r.decision !== null) {
      entry.custom.push({ action: r.action, decision: r.decision as DecisionKind });
    }
  }
  return out;
}

/** Checks every rule with the contracts schema the API uses; messages keyed `connector.index`. */
export function checkAccessRules(byConnector: Record<string, ConnectorRules>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [connector, r] of Object.entries(byConnector)) {
    r.custom.forEach((c, i) => {
      const parsed = accessRuleSchema.safeParse({
        connector,
        action: c.action.trim() || undefined,
        decision: c.decision,
      });
      if (!parsed.success) errors[`${connector}.${i}`] = parsed.error.issues[0]?.message ?? "invalid rule";
    });
  }
  return errors;
}

/** Per connector: a preset and custom `action` patterns (with `*`) with a decision. */
export function AccessRulesEditor({
  value,
  onChange,
  errors = {},
  disabled = false,
}: {
  value: Record<string, ConnectorRules>;
  onChange: (next: Record<string, ConnectorRules>) => void;
  errors?: Record<string, string>;
  disabled?: boolean;
}) {
  const connectors = Object.keys(value);
  if (connectors.length === 0) {
    return <p className="muted">Add a connector first: access rules are set per connector.</p>;
  }
  const update = (name: string, next: ConnectorRules) => onChange({ ...value, [name]: next });
  return (
    <div className="stack">
      {connectors.map((name) => {
        const r = value[name] ?? { preset: "none" as const, custom: [] };
        return (
          <fieldset key={name} disabled={disabled}>
            <legend>
              Connector <code>{name}</code>
            </legend>
            <div role="radiogroup" aria-label={`Preset for ${name}`} className="grid grid-2">
              {presetChoices.map((p) => (
                <label key={p.id} className="choice">
                  <input
                    type="radio"
                    name={`preset-${name}`}
                    value={p.id}
                    checked={r.preset === p.id}
                    onChange={() => update(name, { ...r, preset: p.id })}
                  />
                  <span>
                    <strong>{p.label}</strong>
                    <span>{p.help}</span>
                  </span>
                </label>
              ))}
            </div>
            <h3 style={{ margin: "12px 0 6px" }}>Custom patterns</h3>
            <p className="hint" style={{ marginBottom: 8 }}>
              An action type with <code>*</code> wildcards, e.g. <code>github.pr.*</code> or{" "}
              <code>http.delete</code>. The most specific match wins over the preset.
            </p>
            {r.custom.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
              <div key={i} className="inline-form" style={{ marginBottom: 8 }}>
                <div className="field" style={{ flex: "2 1 200px" }}>
                  <label htmlFor={`rule-${name}-${i}-action`}>Action pattern</label>
                  <input
                    id={`rule-${name}-${i}-action`}
                    type="text"
                    value={c.action}
                    aria-invalid={errors[`${name}.${i}`] !== undefined}
                    onChange={(e) => {
                      const custom = [...r.custom];
                      custom[i] = { ...c, action: e.target.value };
                      update(name, { ...r, custom });
                    }}
                    placeholder={`${name}.*`}
                  />
                  {errors[`${name}.${i}`] === undefined ? null : (
                    <span className="field-error">{errors[`${name}.${i}`]}</span>
                  )}
                </div>
                <div className="field">
                  <label htmlFor={`rule-${name}-${i}-decision`}>Decision</label>
                  <select
                    id={`rule-${name}-${i}-decision`}
                    value={c.decision}
                    onChange={(e) => {
                      const custom = [...r.custom];
                      custom[i] = { ...c, decision: e.target.value as DecisionKind };
                      update(name, { ...r, custom });
                    }}
                  >
                    {decisions.map((d) => (
                      <option key={d} value={d}>
                        {decisionLabels[d]}
                      </option>
                    ))}
                  </select>
                </div>
                <button
                  type="button"
                  className="btn small"
                  aria-label={`Remove pattern ${i + 1} of ${name}`}
                  onClick={() => update(name, { ...r, custom: r.custom.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              className="btn small"
              onClick={() => update(name, { ...r, custom: [...r.custom, { action: "", decision: "allow" }] })}
            >
              Add a pattern
            </button>
          </fieldset>
        );
      })}
    </div>
  );
}
