import { type ConnectorRegistry, createConnectorRegistry } from "@tameflare/connectors";
import type { Action, Decision, PolicyDocument } from "@tameflare/contracts";
import { type CompiledPolicy, compilePolicy, evaluate, explainDecision } from "@tameflare/policy-engine";
import type { Checked } from "../shared/config-errors.ts";
import { type RawRequest, snapshotOfRequest } from "./request-snapshot.ts";

export interface CompiledDraft {
  compiled: CompiledPolicy;
  registry: ConnectorRegistry;
}

/** Compiles a validated document and its connectors once, for many evaluations. */
export function compileDraft(
  document: PolicyDocument,
  gateway: { id?: string; name?: string } = {},
): Checked<CompiledDraft> {
  const compiled = compilePolicy(document, { gateway });
  if (!compiled.ok) return { ok: false, errors: compiled.errors };
  const registry = createConnectorRegistry(document.connectors);
  if (!registry.ok) return { ok: false, errors: registry.errors };
  return { ok: true, value: { compiled: compiled.compiled, registry: registry.registry } };
}

export interface SandboxResult {
  /** `decided`: the engine decided; `no_connector` / `unparsed`: the gateway denies before any rule. */
  outcome: "decided" | "no_connector" | "unparsed";
  connector: string | null;
  actions: Action[];
  decision: Decision | null;
  /** The sentence `tf policy test` prints and the dashboard shows. */
  explanation: string;
}

/** Decides one action, or one raw request turned into actions by the draft's connectors. */
export function sandboxDecide(
  draft: CompiledDraft,
  input: { action: Action } | { request: RawRequest },
  context: { agent: string; nowMs: number },
): SandboxResult | { error: string } {
  let actions: Action[];
  let connector: string | null;
  if ("action" in input) {
    actions = [input.action];
    connector = input.action.connector;
  } else {
    const snapshot = snapshotOfRequest(input.request);
    if (!snapshot.ok) return { error: snapshot.message };
    const bound = draft.registry.match(snapshot.snapshot);
    if (bound === undefined) {
      return {
        outcome: "no_connector",
        connector: null,
        actions: [],
        decision: null,
        explanation: `denied: no connector owns host \`${snapshot.snapshot.host}\` (the gateway answers 403 \`no_connector\`)`,
      };
    }
    connector = bound.name;
    const parsed = bound.parse(snapshot.snapshot);
    if (!parsed.ok) {
      return {
        outcome: "unparsed",
        connector,
        actions: [],
        decision: null,
        explanation: `denied: connector \`${bound.name}\` cannot read the request (${parsed.code}): ${parsed.message}`,
      };
    }
    actions = parsed.actions;
  }
  const { decision } = evaluate(draft.compiled, actions, context);
  return { outcome: "decided", connector, actions, decision, explanation: explainDecision(decision) };
}
