import {
  type GatewaySettings,
  type PolicyDocument,
  type PolicyDocumentInput,
  type PolicyRecord,
  policyDocumentSchema,
  type RateLimit,
} from "@tameflare/contracts";
import { withTransaction } from "@tameflare/db";
import { stringify } from "yaml";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { emitConfigChanged } from "../../hooks.ts";
import { type ConnectorWrite, connectorInputOf, placeholderEnvName } from "../gateways/connector-mapping.ts";
import {
  documentOf,
  loadGatewayState,
  policyEntryOf,
  policyForGateway,
  rateLimitOf,
  validateDocument,
} from "../gateways/gateway-document.ts";
import { createGatewaysService } from "../gateways/gateways-service.ts";
import { checkDocumentSource, type DocumentSource } from "../policies/policy-input.ts";
import type { OrgActor } from "../shared/actor.ts";
import type { Checked, ConfigError } from "../shared/config-errors.ts";

export interface ConfigExport {
  /** The gateway's document: connectors, settings, access rules, policies, rate limits. No secrets. */
  document: PolicyDocumentInput;
  yaml: string;
  /** Connectors whose secret lives in the vault: the export names an env variable instead. */
  secretsOmitted: Array<{ connector: string; env: string }>;
}

export interface ImportSummary {
  connectors: { added: string[]; updated: string[]; removed: string[] };
  accessRules: number;
  rateLimits: number;
  policies: {
    created: string[];
    updated: string[];
    unchanged: string[];
    removed: string[];
    organizationWide: string[];
  };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Export and import of one gateway's configuration as a policy document (`tameflare.yaml`).
 *
 * Import makes the gateway match the document, in one transaction, after validating all of
 * it: connectors are matched by name (updated, added; those not in the document are removed
 * with their vault secrets), access rules and the gateway's own rate limits are replaced,
 * gateway policies are matched by `id` then name (a new version only when the content
 * changed; those not in the document are deleted). Organization-wide policies and rate
 * limits appear in an export because they apply to the gateway, but an import never
 * changes them: an organization-wide policy in the document must be unchanged. Secrets
 * (`credential.value`/`encrypted`) and kill switches are refused: use the vault and the
 * kill switch procedures. The gateway keeps its name (`gateway.name` is informational);
 * its enforcement level and settings (exclusions, upstream CA and proxy, limits,
 * approval timeout) are taken from the document.
 */
export function createConfigService(deps: AppDeps) {
  const gateways = createGatewaysService(deps);

  return {
    async exportGateway(actor: OrgActor, gatewayId: string): Promise<ConfigExport> {
      const gateway = await gateways.requireGateway(actor.orgId, gatewayId);
      const state = await loadGatewayState(deps.repos, gateway);
      const withSecret = new Set(
        (await deps.repos.secrets.listMeta(actor.orgId, gatewayId)).map((s) => s.connectorId),
      );
      const document = documentOf(state, {
        credentialFor: (c) => ({ kind: "placeholder", hasVaultSecret: withSecret.has(c.id) }),
      });
      const secretsOmitted = state.connectors
        .filter((c) => withSecret.has(c.id))
        .map((c) => ({ connector: c.name, env: placeholderEnvName(c.name) }));
      return { document, yaml: stringify(document, { lineWidth: 0 }), secretsOmitted };
    },

    async importGateway(
      actor: OrgActor,
      gatewayId: string,
      source: DocumentSource,
    ): Promise<Checked<ImportSummary>> {
      const gateway = await gateways.requireGateway(actor.orgId, gatewayId, { live: true });
      const parsed = checkDocumentSource(source);
      if (!parsed.ok) return parsed;
      const document = parsed.value;
      const refused = refusedParts(document);
      if (refused.length > 0) return { ok: false, errors: refused };
      const whole = validateDocument(document);
      if (!whole.ok) return { ok: false, errors: whole.errors };

      const state = await loadGatewayState(deps.repos, gateway);
      const names = new Set(document.connectors.map((c) => c.name ?? c.type));
      const orgWide = state.policies.filter((p) => p.gatewayId === null);
      const own = state.policies.filter((p) => p.gatewayId === gatewayId);
      const errors: ConfigError[] = [];
      const plan: Array<{ entry: PolicyDocument["policies"][number]; target: PolicyRecord | undefined }> = [];
      const summary: ImportSummary = {
        connectors: { added: [], updated: [], removed: [] },
        accessRules: document.access_rules.length,
        rateLimits: 0,
        policies: { created: [], updated: [], unchanged: [], removed: [], organizationWide: [] },
      };
      document.policies.forEach((entry, i) => {
        const shared = orgWide.find(
          (p) => p.id === entry.id || (entry.id === undefined && p.name === entry.name),
        );
        if (shared !== undefined) {
          const applied = policyForGateway(shared, names);
          if (applied === undefined || !sameJson(normalizePolicy(applied), normalizePolicy(entry))) {
            errors.push({
              path: `policies[${i}]`,
              message: `policy \`${entry.name}\` is organization-wide: change it with policies.update, not a gateway import`,
            });
          }
          summary.policies.organizationWide.push(entry.name);
          return;
        }
        const target = own.find((p) => p.id === entry.id) ?? own.find((p) => p.name === entry.name);
        plan.push({ entry, target });
      });
      if (errors.length > 0) return { ok: false, errors };

      // Limits identical to an organization-wide one are that limit, not a gateway copy of it.
      const orgLimits = state.rateLimits.filter((r) => r.gatewayId === null).map((r) => rateLimitOf(r));
      const gatewayLimits: RateLimit[] = document.rate_limits.filter(
        (limit) => !orgLimits.some((o) => sameJson(normalizeLimit(o), normalizeLimit(limit))),
      );
      summary.rateLimits = gatewayLimits.length;

      await withTransaction(deps.db.prisma, async (repos) => {
        const updated = await repos.gateways.update(actor.orgId, gatewayId, {
          enforcement: document.gateway.enforcement,
          settings: settingsOf(document),
        });
        if (!updated.ok) throw new AppError(updated.code, updated.message);

        const existing = new Map(state.connectors.map((c) => [c.name, c]));
        for (const connector of state.connectors) {
          if (names.has(connector.name)) continue;
          await repos.connectors.remove(actor.orgId, connector.id);
          summary.connectors.removed.push(connector.name);
        }
        for (const config of document.connectors) {
          const { credential, ...rest } = config;
          const write: ConnectorWrite = { ...rest };
          if (credential !== undefined) {
            const { value: _v, encrypted: _e, ...kept } = credential;
            write.credential = kept;
          }
          const input = connectorInputOf(write);
          const current = existing.get(input.name);
          if (current === undefined) {
            const created = await repos.connectors.create({ orgId: actor.orgId, gatewayId, ...input });
            if (!created.ok) throw new AppError(created.code, created.message);
            summary.connectors.added.push(input.name);
          } else {
            const result = await repos.connectors.update(actor.orgId, current.id, input);
            if (!result.ok) throw new AppError(result.code, result.message);
            summary.connectors.updated.push(input.name);
          }
        }

        const rules = await repos.accessRules.replaceForGateway(
          actor.orgId,
          gatewayId,
          document.access_rules.map((r, position) => ({
            connector: r.connector,
            preset: r.preset ?? null,
            action: r.action ?? null,
            decision: r.decision ?? null,
            position,
            createdByUserId: actor.userId,
          })),
        );
        if (!rules.ok) throw new AppError("bad_request", rules.message);

        for (const limit of state.rateLimits.filter((r) => r.gatewayId === gatewayId)) {
          await repos.rateLimits.remove(actor.orgId, limit.id);
        }
        for (const limit of gatewayLimits) {
          const created = await repos.rateLimits.create({
            orgId: actor.orgId,
            gatewayId,
            name: limit.name ?? null,
            action: limit.action,
            perAgent: limit.per_agent,
            max: limit.max,
            windowSeconds: limit.window_seconds,
          });
          if (!created.ok) throw new AppError("not_found", created.message);
        }

        const kept = new Set<string>();
        for (const { entry, target } of plan) {
          const { id: _id, ...content } = entry;
          if (target === undefined) {
            const created = await repos.policies.create({
              orgId: actor.orgId,
              gatewayId,
              policy: content,
              authorUserId: actor.userId,
              changeNote: "import",
            });
            if (!created.ok) throw new AppError("bad_request", created.message);
            summary.policies.created.push(entry.name);
            continue;
          }
          kept.add(target.id);
          if (sameJson(normalizePolicy(policyEntryOf(target)), normalizePolicy(entry))) {
            summary.policies.unchanged.push(entry.name);
            continue;
          }
          const result = await repos.policies.update(actor.orgId, target.id, {
            policy: content,
            authorUserId: actor.userId,
            changeNote: "import",
          });
          if (!result.ok) throw new AppError("bad_request", result.message);
          summary.policies.updated.push(entry.name);
        }
        for (const policy of own) {
          if (kept.has(policy.id)) continue;
          await repos.policies.remove(actor.orgId, policy.id, deps.clock());
          summary.policies.removed.push(policy.name);
        }
      });
      await emitConfigChanged(deps, { orgId: actor.orgId, gatewayId, kind: "import" });
      return { ok: true, value: summary };
    },
  };
}

/**
 * The gateway settings a document sets. Values equal to the document's defaults are left
 * out, so an export shows only what was chosen and an import round-trips unchanged.
 */
function settingsOf(document: PolicyDocument): GatewaySettings {
  const defaults = policyDocumentSchema.parse({ version: 1 });
  const settings: GatewaySettings = {};
  if (document.exclude_domains.length > 0) settings.exclude_domains = document.exclude_domains;
  if (document.upstream_ca !== undefined) settings.upstream_ca = document.upstream_ca;
  if (document.upstream_proxy !== undefined) settings.upstream_proxy = document.upstream_proxy;
  if (!sameJson(sortKeys(document.limits), sortKeys(defaults.limits))) settings.limits = document.limits;
  if (!sameJson(document.approvals, defaults.approvals)) settings.approvals = document.approvals;
  return settings;
}

function refusedParts(document: PolicyDocument): ConfigError[] {
  const errors: ConfigError[] = [];
  document.connectors.forEach((c, i) => {
    if (c.credential?.value !== undefined || c.credential?.encrypted !== undefined) {
      const key = c.credential.value !== undefined ? "value" : "encrypted";
      errors.push({
        path: `connectors[${i}].credential.${key}`,
        message: `connector \`${c.name ?? c.type}\`: secrets are not imported; store it with vault.setSecret`,
      });
    }
  });
  document.kill_switches.forEach((_k, i) => {
    errors.push({
      path: `kill_switches[${i}]`,
      message: "kill switches are not imported: activate them with killSwitch.activate",
    });
  });
  return errors;
}

/** A policy entry compared without its id, with defaults filled in, keys sorted. */
function normalizePolicy(entry: object): unknown {
  const { id: _id, ...rest } = entry as { id?: string };
  return sortKeys({ enabled: true, priority: 0, scope: {}, ...rest });
}

function normalizeLimit(limit: RateLimit): unknown {
  return sortKeys(limit);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
