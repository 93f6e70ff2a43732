import { createConnectorRegistry } from "@tameflare/connectors";
import type {
  AccessRule,
  AccessRuleRecord,
  ConnectorRecord,
  Gateway,
  Policy,
  PolicyDocument,
  PolicyDocumentInput,
  PolicyRecord,
  RateLimit,
  RateLimitRecord,
} from "@tameflare/contracts";
import type { Repositories } from "@tameflare/db";
import { validatePolicyDocument } from "@tameflare/policy-engine";
import type { ConfigError } from "../shared/config-errors.ts";
import { type CredentialChoice, connectorConfigOf } from "./connector-mapping.ts";

/** Everything stored that makes up one gateway's policy document (no secrets). */
export interface GatewayState {
  gateway: Gateway;
  connectors: ConnectorRecord[];
  accessRules: AccessRuleRecord[];
  /** The gateway's own and the organization-wide limits. */
  rateLimits: RateLimitRecord[];
  /** The gateway's own and the organization-wide live policies, highest priority first. */
  policies: PolicyRecord[];
}

export async function loadGatewayState(repos: Repositories, gateway: Gateway): Promise<GatewayState> {
  const [connectors, accessRules, rateLimits, policies] = await Promise.all([
    repos.connectors.listForGateway(gateway.orgId, gateway.id),
    repos.accessRules.listForGateway(gateway.orgId, gateway.id),
    repos.rateLimits.list(gateway.orgId, { gatewayId: gateway.id }),
    repos.policies.list(gateway.orgId, { gatewayId: gateway.id }),
  ]);
  return { gateway, connectors, accessRules, rateLimits, policies };
}

export function accessRuleOf(record: AccessRuleRecord): AccessRule {
  const rule: AccessRule = { connector: record.connector };
  if (record.preset !== null) rule.preset = record.preset;
  if (record.action !== null) rule.action = record.action;
  if (record.decision !== null) rule.decision = record.decision;
  return rule;
}

export function rateLimitOf(record: RateLimitRecord): RateLimit {
  return {
    ...(record.name === null ? {} : { name: record.name }),
    action: record.action,
    per_agent: record.perAgent,
    max: record.max,
    window_seconds: record.windowSeconds,
  };
}

/** A stored policy as a document entry: its id, and the row's enabled flag and priority. */
export function policyEntryOf(record: PolicyRecord): Policy {
  return { ...record.document, id: record.id, enabled: record.enabled, priority: record.priority };
}

/**
 * An organization-wide policy as it applies to one gateway: connector names in its scope
 * that this gateway lacks are dropped; when none is left it cannot match here and is left
 * out (undefined). Gateway policies are taken as they are.
 */
export function policyForGateway(
  record: PolicyRecord,
  connectorNames: ReadonlySet<string>,
): Policy | undefined {
  const entry = policyEntryOf(record);
  const scoped = entry.scope?.connectors;
  if (record.gatewayId !== null || scoped === undefined) return entry;
  const kept = scoped.filter((name) => connectorNames.has(name));
  if (kept.length === 0) return undefined;
  return { ...entry, scope: { ...entry.scope, connectors: kept } };
}

export interface DocumentOptions {
  /** The credential of each connector (default: the stored env/file source only). */
  credentialFor?: (connector: ConnectorRecord) => CredentialChoice;
}

/**
 * The gateway's policy document: what its bundle carries before credentials are sealed
 * and kill switches added. Gateway settings appear only where they were set.
 */
export function documentOf(state: GatewayState, options: DocumentOptions = {}): PolicyDocumentInput {
  const names = new Set(state.connectors.map((c) => c.name));
  const settings = state.gateway.settings;
  const policies: Policy[] = [];
  for (const record of state.policies) {
    const entry = policyForGateway(record, names);
    if (entry !== undefined) policies.push(entry);
  }
  return {
    version: 1,
    gateway: { name: state.gateway.name, enforcement: state.gateway.enforcement },
    connectors: state.connectors.map((c) =>
      connectorConfigOf(c, options.credentialFor?.(c) ?? { kind: "stored" }),
    ),
    ...(settings.exclude_domains === undefined ? {} : { exclude_domains: settings.exclude_domains }),
    ...(settings.upstream_ca === undefined ? {} : { upstream_ca: settings.upstream_ca }),
    ...(settings.upstream_proxy === undefined ? {} : { upstream_proxy: settings.upstream_proxy }),
    access_rules: state.accessRules.map(accessRuleOf),
    policies,
    rate_limits: state.rateLimits.map(rateLimitOf),
    ...(settings.limits === undefined ? {} : { limits: settings.limits }),
    ...(settings.approvals === undefined ? {} : { approvals: settings.approvals }),
  } as PolicyDocumentInput;
}

/**
 * Validates a whole document: the policy engine's checks (shape, names, globs, regex
 * safety, operators) and the connector registry's (domains, options per type, routes).
 * Errors carry document paths (`connectors[1].domains[0]`).
 */
export function validateDocument(
  input: unknown,
): { ok: true; document: PolicyDocument } | { ok: false; errors: ConfigError[] } {
  const validated = validatePolicyDocument(input);
  if (!validated.ok) return { ok: false, errors: validated.errors };
  const registry = createConnectorRegistry(validated.document.connectors);
  if (!registry.ok) return { ok: false, errors: registry.errors };
  return { ok: true, document: validated.document };
}

/** Rewrites an error path prefix (`connectors[3]` → `connector`) so errors name what the caller sent. */
export function relocateErrors(errors: readonly ConfigError[], from: string, to: string): ConfigError[] {
  return errors.map((e) => {
    if (e.path === from) return { ...e, path: to };
    if (e.path.startsWith(`${from}.`) || e.path.startsWith(`${from}[`)) {
      const rest = e.path.slice(from.length);
      return { ...e, path: to === "" ? rest.replace(/^\./, "") : `${to}${rest}` };
    }
    return e;
  });
}
