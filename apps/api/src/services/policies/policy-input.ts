import type { Policy, PolicyDocument } from "@tameflare/contracts";
import { parsePolicyYaml, validatePolicyDocument } from "@tameflare/policy-engine";
import { isMap, parseDocument } from "yaml";
import type { Checked, ConfigError } from "../shared/config-errors.ts";

/**
 * A policy as the API takes it: one entry of the document's `policies:` list (not a whole
 * `tameflare.yaml`), either as JSON (`policy`) or as YAML text (`yaml`).
 */
export type PolicySource = { policy: unknown } | { yaml: string };

/** A whole policy document, as JSON (`document`) or YAML text (`yaml`). */
export type DocumentSource = { document: unknown } | { yaml: string };

// Lines added above the caller's YAML when it is wrapped into a document.
const wrapLines = 2;
const wrapIndent = 4;

/** Drops a `policies[0]` prefix so paths name fields of the entry itself (`rules[1].when`). */
function entryPath(path: string): string {
  if (path === "policies[0]") return "";
  if (path.startsWith("policies[0].")) return path.slice("policies[0].".length);
  if (path.startsWith("policies[0][")) return path.slice("policies[0]".length);
  return path;
}

/**
 * Validates one policy with the policy engine, as part of a document whose connectors are
 * `connectorNames` (so a scope naming an unknown connector is caught). Errors carry paths
 * within the entry and, for YAML, lines and columns of the caller's text.
 */
export function checkPolicy(source: PolicySource, connectorNames: readonly string[]): Checked<Policy> {
  const connectors = connectorNames.map((name) => ({ type: "generic" as const, name }));
  if ("yaml" in source) {
    const shape = parseDocument(source.yaml);
    if (shape.errors.length === 0 && isMap(shape.contents) && shape.contents.has("version")) {
      return {
        ok: false,
        errors: [
          {
            path: "",
            message: "send one policy (an entry of `policies:`), not a whole policy document",
            line: 1,
            column: 1,
          },
        ],
      };
    }
    const lines = source.yaml.replace(/\r\n?/g, "\n").split("\n");
    const body = lines.map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`)).join("\n");
    const text = `version: 1\npolicies:\n${body}\nconnectors: ${JSON.stringify(connectors)}\n`;
    const parsed = parsePolicyYaml(text);
    if (!parsed.ok) {
      return {
        ok: false,
        errors: parsed.errors.map((e) => {
          const error: ConfigError = { path: entryPath(e.path), message: e.message };
          if (e.line !== undefined && e.line > wrapLines && e.line <= wrapLines + lines.length) {
            error.line = e.line - wrapLines;
            if (e.column !== undefined) error.column = Math.max(1, e.column - wrapIndent);
          }
          return error;
        }),
      };
    }
    return firstPolicy(parsed.document);
  }
  if (typeof source.policy !== "object" || source.policy === null || Array.isArray(source.policy)) {
    return { ok: false, errors: [{ path: "", message: "a policy is a mapping with `name` and `rules`" }] };
  }
  const validated = validatePolicyDocument({ version: 1, connectors, policies: [source.policy] });
  if (!validated.ok)
    return { ok: false, errors: validated.errors.map((e) => ({ ...e, path: entryPath(e.path) })) };
  return firstPolicy(validated.document);
}

function firstPolicy(document: PolicyDocument): Checked<Policy> {
  const policy = document.policies[0];
  if (policy === undefined) return { ok: false, errors: [{ path: "", message: "the policy is empty" }] };
  return { ok: true, value: policy };
}

/** Parses and validates a whole document from JSON or YAML (errors with paths, and lines for YAML). */
export function checkDocumentSource(source: DocumentSource): Checked<PolicyDocument> {
  if ("yaml" in source) {
    const parsed = parsePolicyYaml(source.yaml);
    return parsed.ok ? { ok: true, value: parsed.document } : { ok: false, errors: parsed.errors };
  }
  const validated = validatePolicyDocument(source.document);
  return validated.ok ? { ok: true, value: validated.document } : { ok: false, errors: validated.errors };
}
