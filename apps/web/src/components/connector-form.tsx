"use client";

import { type ConnectorType, connectorConfigSchema, connectorTypes } from "@tameflare/contracts";
import { useState } from "react";
import { zodFields } from "../lib/errors.ts";
import { Field } from "./ui.tsx";

/** The connector as the API's `connectors.add` takes it (no credential: secrets go to the vault). */
export interface ConnectorDraft {
  type: ConnectorType;
  name?: string;
  domains?: string[];
  upstream?: string;
}

// The same schema the API validates a written connector with (contracts' connector minus the credential).
const connectorDraftSchema = connectorConfigSchema.omit({ credential: true });

export const connectorHelp: Record<string, string> = {
  github: "GitHub REST API (api.github.com): repos, pull requests, issues, branches.",
  openai: "OpenAI API (api.openai.com): chat, embeddings, files.",
  anthropic: "Anthropic API (api.anthropic.com): messages.",
  stripe: "Stripe API (api.stripe.com): charges, refunds, customers.",
  slack: "Slack Web API (slack.com/api): messages, channels.",
  mcp: "An MCP server over HTTP: each JSON-RPC tool call becomes an action. Needs its domain.",
  graphql: "A GraphQL endpoint: queries and mutations become actions. Needs its domain.",
  webhook: "Outgoing webhooks to the listed domains.",
  generic: "Any HTTP API on the listed domains: actions are http.get, http.post, http.delete…",
};

/** Types that have no default domain: the form asks for at least one. */
const needsDomains = new Set(["mcp", "graphql", "webhook", "generic"]);

export const wizardConnectorTypes = connectorTypes.filter((t) => t !== "custom");

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Checks a draft with the contracts schema; returns field messages (empty when valid). */
export function checkConnectorDraft(draft: ConnectorDraft): Record<string, string> {
  const parsed = connectorDraftSchema.safeParse(draft);
  const fields = parsed.success ? {} : zodFields(parsed.error.issues);
  if (needsDomains.has(draft.type) && (draft.domains ?? []).length === 0) {
    fields.domains ??= `a ${draft.type} connector needs the domain(s) it owns, e.g. api.example.com`;
  }
  return fields;
}

/** Adds a connector: type, optional name, domains and upstream override. */
export function ConnectorForm({
  onAdd,
  taken,
  submitLabel = "Add connector",
  pending = false,
}: {
  onAdd: (draft: ConnectorDraft) => void;
  taken: readonly string[];
  submitLabel?: string;
  pending?: boolean;
}) {
  const [type, setType] = useState<ConnectorType>("github");
  const [name, setName] = useState("");
  const [domains, setDomains] = useState("");
  const [upstream, setUpstream] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  return (
    <fieldset>
      <legend>Add a connector</legend>
      <div className="grid grid-2">
        <Field label="Type" hint={connectorHelp[type]}>
          {(p) => (
            <select {...p} value={type} onChange={(e) => setType(e.target.value as ConnectorType)}>
              {wizardConnectorTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Name"
          hint={`Optional; defaults to “${type}”. Rules and kill switches name it.`}
          error={errors.name}
        >
          {(p) => (
            <input
              {...p}
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={type}
            />
          )}
        </Field>
        <Field
          label="Domains"
          hint={
            needsDomains.has(type)
              ? "Required: hosts this connector owns, comma-separated."
              : "Optional: overrides the default hosts."
          }
          error={errors.domains}
        >
          {(p) => (
            <input
              {...p}
              type="text"
              value={domains}
              onChange={(e) => setDomains(e.target.value)}
              placeholder="api.example.com"
            />
          )}
        </Field>
        <Field
          label="Upstream"
          hint="Optional: send requests here instead (GitHub Enterprise, a test double)."
          error={errors.upstream}
        >
          {(p) => (
            <input
              {...p}
              type="url"
              value={upstream}
              onChange={(e) => setUpstream(e.target.value)}
              placeholder="https://ghe.example.com"
            />
          )}
        </Field>
      </div>
      <button
        type="button"
        className="btn"
        disabled={pending}
        onClick={() => {
          const draft: ConnectorDraft = { type };
          if (name.trim() !== "") draft.name = name.trim();
          const list = splitList(domains);
          if (list.length > 0) draft.domains = list;
          if (upstream.trim() !== "") draft.upstream = upstream.trim();
          const found = checkConnectorDraft(draft);
          const finalName = draft.name ?? draft.type;
          if (taken.includes(finalName))
            found.name = `a connector named \`${finalName}\` is already on this gateway: give this one a name`;
          setErrors(found);
          if (Object.keys(found).length > 0) return;
          onAdd(draft);
          setName("");
          setDomains("");
          setUpstream("");
        }}
      >
        {submitLabel}
      </button>
    </fieldset>
  );
}
