import type {
  AccessRule,
  AccessRuleRecord,
  ConnectorRecord,
  EnforcementLevel,
  Gateway,
  GatewaySettings,
  RateLimitRecord,
} from "@tameflare/contracts";
import { withTransaction } from "@tameflare/db";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { emitConfigChanged } from "../../hooks.ts";
import type { OrgActor } from "../shared/actor.ts";
import type { Checked } from "../shared/config-errors.ts";
import { issueToken } from "../shared/tokens.ts";
import { type ConnectorWrite, connectorInputOf } from "./connector-mapping.ts";
import {
  documentOf,
  type GatewayState,
  loadGatewayState,
  rateLimitOf,
  relocateErrors,
  validateDocument,
} from "./gateway-document.ts";

export interface IssuedGateway {
  gateway: Gateway;
  /** The `gwtk_…` token for `tf init`: shown once, stored only as its hash. */
  token: string;
}

export interface RateLimitWrite {
  /** Null or omitted: every gateway of the organization. */
  gatewayId?: string | null | undefined;
  name?: string | undefined;
  action: string;
  perAgent?: boolean | undefined;
  max: number;
  windowSeconds: number;
}

export function createGatewaysService(deps: AppDeps) {
  /** The gateway, or not_found; `live` refuses a revoked one. */
  async function requireGateway(
    orgId: string,
    gatewayId: string,
    options: { live?: boolean } = {},
  ): Promise<Gateway> {
    const gateway = await deps.repos.gateways.findById(orgId, gatewayId);
    if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
    if (options.live === true && gateway.revokedAt !== null) {
      throw new AppError("precondition_failed", `gateway \`${gatewayId}\` is revoked`);
    }
    return gateway;
  }

  async function requireConnector(orgId: string, connectorId: string): Promise<ConnectorRecord> {
    const connector = await deps.repos.connectors.findById(orgId, connectorId);
    if (connector === null) throw new AppError("not_found", `connector \`${connectorId}\` not found`);
    return connector;
  }

  async function changed(
    orgId: string,
    gatewayId: string | null,
    kind: Parameters<typeof emitConfigChanged>[1]["kind"],
  ) {
    await emitConfigChanged(deps, { orgId, gatewayId, kind });
  }

  /** Validates the gateway's document as it would be after a change. */
  function check(state: GatewayState) {
    return validateDocument(documentOf(state));
  }

  function connectorRecordDraft(
    base: ConnectorRecord | undefined,
    gateway: Gateway,
    config: ConnectorWrite,
  ): ConnectorRecord {
    const input = connectorInputOf(config);
    const now = deps.clock().toISOString();
    return {
      id: base?.id ?? "con_draft",
      orgId: gateway.orgId,
      gatewayId: gateway.id,
      type: input.type,
      name: input.name,
      domains: input.domains,
      upstream: input.upstream,
      settings: input.settings,
      createdAt: base?.createdAt ?? now,
      updatedAt: now,
    };
  }

  return {
    requireGateway,
    requireConnector,

    async create(
      actor: OrgActor,
      input: {
        name: string;
        description?: string | undefined;
        enforcement?: EnforcementLevel | undefined;
        settings?: GatewaySettings | undefined;
      },
    ): Promise<IssuedGateway> {
      const issued = issueToken(deps.randomBytes, "gwtk");
      const created = await deps.repos.gateways.create({
        orgId: actor.orgId,
        name: input.name,
        description: input.description ?? null,
        tokenHash: issued.hash,
        tokenPrefix: issued.prefix,
        ...(input.enforcement === undefined ? {} : { enforcement: input.enforcement }),
        ...(input.settings === undefined ? {} : { settings: input.settings }),
      });
      if (!created.ok) throw new AppError("conflict", created.message);
      return { gateway: created.value, token: issued.token };
    },

    async list(actor: OrgActor, options: { includeRevoked?: boolean | undefined } = {}): Promise<Gateway[]> {
      return deps.repos.gateways.list(actor.orgId, { includeRevoked: options.includeRevoked === true });
    },

    async get(
      actor: OrgActor,
      gatewayId: string,
    ): Promise<{ gateway: Gateway; connectors: ConnectorRecord[] }> {
      const gateway = await requireGateway(actor.orgId, gatewayId);
      const connectors = await deps.repos.connectors.listForGateway(actor.orgId, gatewayId);
      return { gateway, connectors };
    },

    async update(
      actor: OrgActor,
      gatewayId: string,
      patch: {
        name?: string | undefined;
        description?: string | null | undefined;
        enforcement?: EnforcementLevel | undefined;
        settings?: GatewaySettings | undefined;
      },
    ): Promise<Gateway> {
      await requireGateway(actor.orgId, gatewayId, { live: true });
      const updated = await deps.repos.gateways.update(actor.orgId, gatewayId, {
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.enforcement === undefined ? {} : { enforcement: patch.enforcement }),
        ...(patch.settings === undefined ? {} : { settings: patch.settings }),
      });
      if (!updated.ok) throw new AppError(updated.code, updated.message);
      await changed(actor.orgId, gatewayId, "gateway");
      return updated.value;
    },

    /** A new token; the old one stops working at once. */
    async rotateToken(actor: OrgActor, gatewayId: string): Promise<IssuedGateway> {
      await requireGateway(actor.orgId, gatewayId, { live: true });
      const issued = issueToken(deps.randomBytes, "gwtk");
      const gateway = await deps.repos.gateways.rotateToken(actor.orgId, gatewayId, {
        tokenHash: issued.hash,
        tokenPrefix: issued.prefix,
      });
      if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
      return { gateway, token: issued.token };
    },

    /** Revokes a gateway: its token stops working; its records stay for the audit trail. */
    async revoke(actor: OrgActor, gatewayId: string): Promise<Gateway> {
      await requireGateway(actor.orgId, gatewayId, { live: true });
      await deps.repos.gateways.revoke(actor.orgId, gatewayId, deps.clock());
      await changed(actor.orgId, gatewayId, "gateway");
      return requireGateway(actor.orgId, gatewayId);
    },

    // ───────────── connectors ─────────────

    async listConnectors(actor: OrgActor, gatewayId: string): Promise<ConnectorRecord[]> {
      await requireGateway(actor.orgId, gatewayId);
      return deps.repos.connectors.listForGateway(actor.orgId, gatewayId);
    },

    /** Adds a connector after validating the gateway's whole document with it. */
    async addConnector(
      actor: OrgActor,
      gatewayId: string,
      config: ConnectorWrite,
    ): Promise<Checked<ConnectorRecord>> {
      const gateway = await requireGateway(actor.orgId, gatewayId, { live: true });
      const state = await loadGatewayState(deps.repos, gateway);
      const draft = connectorRecordDraft(undefined, gateway, config);
      const checked = check({ ...state, connectors: [...state.connectors, draft] });
      if (!checked.ok) {
        return {
          ok: false,
          errors: relocateErrors(checked.errors, `connectors[${state.connectors.length}]`, "connector"),
        };
      }
      const created = await deps.repos.connectors.create({
        orgId: actor.orgId,
        gatewayId,
        ...connectorInputOf(config),
      });
      if (!created.ok) throw new AppError(created.code, created.message);
      await changed(actor.orgId, gatewayId, "connector");
      return { ok: true, value: created.value };
    },

    /**
     * Replaces a connector's configuration. A rename carries its access rules along; the
     * whole document is validated first (a policy naming the old connector fails it).
     */
    async updateConnector(
      actor: OrgActor,
      connectorId: string,
      config: ConnectorWrite,
    ): Promise<Checked<ConnectorRecord>> {
      const current = await requireConnector(actor.orgId, connectorId);
      const gateway = await requireGateway(actor.orgId, current.gatewayId, { live: true });
      const state = await loadGatewayState(deps.repos, gateway);
      const draft = connectorRecordDraft(current, gateway, config);
      const renamed = draft.name !== current.name;
      const rules = state.accessRules.map((r) =>
        renamed && r.connector === current.name ? { ...r, connector: draft.name } : r,
      );
      const index = state.connectors.findIndex((c) => c.id === connectorId);
      const connectors = state.connectors.map((c) => (c.id === connectorId ? draft : c));
      const checked = check({ ...state, connectors, accessRules: rules });
      if (!checked.ok)
        return { ok: false, errors: relocateErrors(checked.errors, `connectors[${index}]`, "connector") };
      const input = connectorInputOf(config);
      const updated = await withTransaction(deps.db.prisma, async (repos) => {
        const result = await repos.connectors.update(actor.orgId, connectorId, input);
        if (!result.ok) throw new AppError(result.code, result.message);
        if (renamed) {
          const replaced = await repos.accessRules.replaceForGateway(actor.orgId, gateway.id, rules);
          if (!replaced.ok) throw new AppError("bad_request", replaced.message);
        }
        return result.value;
      });
      await changed(actor.orgId, gateway.id, "connector");
      return { ok: true, value: updated };
    },

    /**
     * Removes a connector with its vault secret and its access rules. Refused (with the
     * document's errors) while a policy of this gateway still names it.
     */
    async removeConnector(actor: OrgActor, connectorId: string): Promise<Checked<{ removed: true }>> {
      const current = await requireConnector(actor.orgId, connectorId);
      const gateway = await requireGateway(actor.orgId, current.gatewayId);
      const state = await loadGatewayState(deps.repos, gateway);
      const rules = state.accessRules.filter((r) => r.connector !== current.name);
      const checked = check({
        ...state,
        connectors: state.connectors.filter((c) => c.id !== connectorId),
        accessRules: rules,
      });
      if (!checked.ok) return { ok: false, errors: checked.errors };
      await withTransaction(deps.db.prisma, async (repos) => {
        if (rules.length !== state.accessRules.length) {
          const replaced = await repos.accessRules.replaceForGateway(actor.orgId, gateway.id, rules);
          if (!replaced.ok) throw new AppError("bad_request", replaced.message);
        }
        if (!(await repos.connectors.remove(actor.orgId, connectorId))) {
          throw new AppError("not_found", `connector \`${connectorId}\` not found`);
        }
      });
      await changed(actor.orgId, gateway.id, "connector");
      return { ok: true, value: { removed: true } };
    },

    // ───────────── access rules ─────────────

    async listAccessRules(actor: OrgActor, gatewayId: string): Promise<AccessRuleRecord[]> {
      await requireGateway(actor.orgId, gatewayId);
      return deps.repos.accessRules.listForGateway(actor.orgId, gatewayId);
    },

    /**
     * Replaces a gateway's access rules (presets and custom patterns, in order) after the
     * policy engine validated them against the gateway's connectors. Errors use `rules[i]`.
     */
    async setAccessRules(
      actor: OrgActor,
      gatewayId: string,
      rules: AccessRule[],
    ): Promise<Checked<AccessRuleRecord[]>> {
      const gateway = await requireGateway(actor.orgId, gatewayId, { live: true });
      const state = await loadGatewayState(deps.repos, gateway);
      const now = deps.clock().toISOString();
      const drafts: AccessRuleRecord[] = rules.map((r, position) => ({
        id: `draft-${position}`,
        orgId: actor.orgId,
        gatewayId,
        connector: r.connector,
        preset: r.preset ?? null,
        action: r.action ?? null,
        decision: r.decision ?? null,
        position,
        createdByUserId: actor.userId,
        createdAt: now,
        updatedAt: now,
      }));
      const checked = check({ ...state, accessRules: drafts });
      if (!checked.ok) return { ok: false, errors: relocateErrors(checked.errors, "access_rules", "rules") };
      const replaced = await deps.repos.accessRules.replaceForGateway(
        actor.orgId,
        gatewayId,
        drafts.map((d) => ({ ...d, createdByUserId: actor.userId })),
      );
      if (!replaced.ok)
        throw new AppError(replaced.code === "not_found" ? "not_found" : "bad_request", replaced.message);
      await changed(actor.orgId, gatewayId, "access_rules");
      return { ok: true, value: replaced.value };
    },

    // ───────────── rate limits ─────────────

    async listRateLimits(
      actor: OrgActor,
      options: { gatewayId?: string | undefined } = {},
    ): Promise<RateLimitRecord[]> {
      if (options.gatewayId !== undefined) await requireGateway(actor.orgId, options.gatewayId);
      return deps.repos.rateLimits.list(
        actor.orgId,
        options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId },
      );
    },

    /** Adds a rate limit to one gateway or (no gateway) to every gateway of the organization. */
    async createRateLimit(actor: OrgActor, input: RateLimitWrite): Promise<Checked<RateLimitRecord>> {
      const gatewayId = input.gatewayId ?? null;
      const now = deps.clock().toISOString();
      const draft: RateLimitRecord = {
        id: "draft",
        orgId: actor.orgId,
        gatewayId,
        name: input.name ?? null,
        action: input.action,
        perAgent: input.perAgent ?? false,
        max: input.max,
        windowSeconds: input.windowSeconds,
        createdAt: now,
        updatedAt: now,
      };
      let checked: ReturnType<typeof validateDocument>;
      let index = 0;
      if (gatewayId !== null) {
        const gateway = await requireGateway(actor.orgId, gatewayId, { live: true });
        const state = await loadGatewayState(deps.repos, gateway);
        index = state.rateLimits.length;
        checked = check({ ...state, rateLimits: [...state.rateLimits, draft] });
      } else {
        checked = validateDocument({ version: 1, rate_limits: [rateLimitOf(draft)] });
      }
      if (!checked.ok)
        return { ok: false, errors: relocateErrors(checked.errors, `rate_limits[${index}]`, "rate_limit") };
      const created = await deps.repos.rateLimits.create({
        orgId: actor.orgId,
        gatewayId,
        name: draft.name,
        action: draft.action,
        perAgent: draft.perAgent,
        max: draft.max,
        windowSeconds: draft.windowSeconds,
      });
      if (!created.ok) throw new AppError("not_found", created.message);
      await changed(actor.orgId, gatewayId, "rate_limits");
      return { ok: true, value: created.value };
    },

    async removeRateLimit(actor: OrgActor, rateLimitId: string): Promise<void> {
      const existing = (await deps.repos.rateLimits.list(actor.orgId)).find((r) => r.id === rateLimitId);
      if (existing === undefined || !(await deps.repos.rateLimits.remove(actor.orgId, rateLimitId))) {
        throw new AppError("not_found", `rate limit \`${rateLimitId}\` not found`);
      }
      await changed(actor.orgId, existing.gatewayId, "rate_limits");
    },
  };
}

export type GatewaysService = ReturnType<typeof createGatewaysService>;
