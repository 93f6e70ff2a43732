import type { Policy, PolicyDocumentInput } from "@tameflare/contracts";
import { type PolicyError, parsePolicyYaml } from "@tameflare/policy-engine";
import { isMap, parseDocument } from "yaml";

// The policy editor edits one entry of a document's `policies:` list. To validate it exactly
// as the API does (apps/api services/policies/policy-input.ts `checkPolicy`), the text is
// indented into a document that declares the gateway's connectors, parsed by the policy
// engine, and each error's line and column mapped back to the editor's text.
const wrapLines = 2;
const wrapIndent = 4;

function entryPath(path: string): string {
  if (path === "policies[0]") return "";
  if (path.startsWith("policies[0].")) return path.slice("policies[0].".length);
  if (path.startsWith("policies[0][")) return path.slice("policies[0]".length);
  return path;
}

export type PolicyCheck = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/** Validates one policy's YAML with the policy engine, in the browser, as the API will. */
export function checkPolicyYaml(yaml: string, connectorNames: readonly string[]): PolicyCheck {
  const shape = parseDocument(yaml);
  if (shape.errors.length === 0 && isMap(shape.contents) && shape.contents.has("version")) {
    return {
      ok: false,
      errors: [
        {
          path: "",
          message: "write one policy (an entry of `policies:`), not a whole policy document",
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const lines = yaml.replace(/\r\n?/g, "\n").split("\n");
  const body = lines.map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`)).join("\n");
  const connectors = connectorNames.map((name) => ({ type: "generic", name }));
  const parsed = parsePolicyYaml(
    `version: 1\npolicies:\n${body}\nconnectors: ${JSON.stringify(connectors)}\n`,
  );
  if (!parsed.ok) {
    return {
      ok: false,
      errors: parsed.errors.map((e) => {
        const error: PolicyError = { path: entryPath(e.path), message: e.message };
        if (e.line !== undefined && e.line > wrapLines && e.line <= wrapLines + lines.length) {
          error.line = e.line - wrapLines;
          if (e.column !== undefined) error.column = Math.max(1, e.column - wrapIndent);
        } else if (e.line !== undefined) {
          // Past the end of the text (an unclosed bracket found at the end): mark the last line.
          error.line = e.line <= wrapLines ? 1 : lines.length;
        }
        return error;
      }),
    };
  }
  const policy = parsed.document.policies[0];
  if (policy === undefined) return { ok: false, errors: [{ path: "", message: "the policy is empty" }] };
  return { ok: true, policy };
}

/**
 * A gateway's exported document with the edited policy in place of the stored one (matched by
 * its stored name), or added: what the sandbox and the simulation decide with.
 */
export function withDraftPolicy(
  document: PolicyDocumentInput,
  draft: Policy,
  replaceName: string | null,
): PolicyDocumentInput {
  const policies = [...(document.policies ?? [])];
  const at = policies.findIndex((p) => p.name === (replaceName ?? draft.name) || p.name === draft.name);
  const { id: _id, ...entry } = draft;
  if (at === -1) policies.push(entry);
  else policies[at] = entry;
  return { ...document, policies };
}

export const newPolicyTemplate = `name: protect-main
description: Agents never touch the main branch
priority: 10
scope:
  actions: ["github.branch.delete", "github.pr.merge"]
rules:
  - name: never touch main
    when:
      any:
        - { field: parameters.ref, op: equals, value: heads/main }
        - { field: parameters.base, op: equals, value: main }
    decision: deny
    reason: main is protected
    risk_score: 95
`;
