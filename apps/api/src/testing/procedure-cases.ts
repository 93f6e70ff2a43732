import type { Action, Role } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";
import { createApiTokensService } from "../services/api-tokens/api-tokens-service.ts";
import { createGatewaysService } from "../services/gateways/gateways-service.ts";
import { createInvitesService } from "../services/invites/invites-service.ts";
import { createKillSwitchService } from "../services/kill-switch/kill-switch-service.ts";
import { createPoliciesService } from "../services/policies/policies-service.ts";
import type { OrgActor } from "../services/shared/actor.ts";
import { createVaultService } from "../services/vault/vault-service.ts";
import { makeAuditChain } from "./audit-events.ts";
import { uniqueSuffix } from "./seed.ts";

/**
 * One organization's objects for the procedure tables: a gateway with a connector
 * (`internal`, generic, api.example.com) and a policy, plus makers of fresh objects for
 * procedures that consume or destroy what they are given.
 */
export interface ObjectWorld {
  orgId: string;
  gatewayId: string;
  connectorId: string;
  policyId: string;
  freshGateway(): Promise<string>;
  freshConnector(): Promise<{ gatewayId: string; connectorId: string }>;
  freshSecret(): Promise<{ gatewayId: string; connectorId: string }>;
  freshPolicy(): Promise<string>;
  freshInvite(): Promise<{ inviteId: string; token: string }>;
  freshApiToken(userId: string): Promise<string>;
  freshKillSwitch(): Promise<string>;
  freshRateLimit(): Promise<string>;
  freshMember(): Promise<string>;
  /** A stored audit event of the main gateway (its own one-event chain); returns its `evt_…` id. */
  freshAuditEvent(): Promise<string>;
  /** A pending approval held by the main gateway; returns its `apv_…` id. */
  freshApproval(): Promise<string>;
}

function must<T>(result: { ok: true; value: T } | { ok: false; errors?: unknown; message?: string }): T {
  if (!result.ok) throw new Error(`fixture setup failed: ${JSON.stringify(result)}`);
  return result.value;
}

/** Builds an organization's objects through the services, acting as its owner. */
export async function createObjectWorld(
  deps: AppDeps,
  orgId: string,
  ownerUserId: string,
): Promise<ObjectWorld> {
  const owner: OrgActor = { orgId, userId: ownerUserId, role: "owner" };
  const gateways = createGatewaysService(deps);
  const policies = createPoliciesService(deps);
  const freshGateway = async () =>
    (await gateways.create(owner, { name: `gw-${uniqueSuffix()}` })).gateway.id;
  const freshConnector = async () => {
    const gatewayId = await freshGateway();
    const connector = must(
      await gateways.addConnector(owner, gatewayId, {
        type: "generic",
        name: "internal",
        domains: ["api.example.com"],
      }),
    );
    return { gatewayId, connectorId: connector.id };
  };
  const main = await freshConnector();
  const freshPolicy = async () =>
    must(
      await policies.create(owner, {
        gatewayId: main.gatewayId,
        source: { policy: { name: `p-${uniqueSuffix()}`, rules: [{ name: "r", decision: "deny" }] } },
      }),
    ).id;
  const policyId = await freshPolicy();
  return {
    orgId,
    gatewayId: main.gatewayId,
    connectorId: main.connectorId,
    policyId,
    freshGateway,
    freshConnector,
    async freshSecret() {
      const made = await freshConnector();
      await createVaultService(deps).setSecret(owner, {
        ...made,
        value: `sk_live_${uniqueSuffix()}abcdefgh`,
      });
      return made;
    },
    freshPolicy,
    async freshInvite() {
      const created = await createInvitesService(deps).create(owner, {
        email: `invitee-${uniqueSuffix()}@example.com`,
        role: "member",
      });
      return { inviteId: created.invite.id, token: created.token };
    },
    async freshApiToken(userId) {
      const actor = { ...owner, userId };
      return (await createApiTokensService(deps).create(actor, { name: `t-${uniqueSuffix()}` })).apiToken.id;
    },
    async freshKillSwitch() {
      const target = await freshGateway();
      const activated = await createKillSwitchService(deps).activate(owner, {
        scope: "gateway",
        target,
        reason: "fixture",
      });
      return activated.killSwitch.id;
    },
    async freshRateLimit() {
      return must(
        await gateways.createRateLimit(owner, {
          gatewayId: main.gatewayId,
          action: "http.*",
          max: 10,
          windowSeconds: 60,
        }),
      ).id;
    },
    async freshAuditEvent() {
      const [event] = makeAuditChain(`${main.gatewayId}:${uniqueSuffix()}`, 1);
      if (event === undefined) throw new Error("no event");
      must(await deps.repos.audit.insertBatch({ orgId, gatewayId: main.gatewayId }, [event]));
      return event.id;
    },
    async freshApproval() {
      const { approval } = await deps.repos.approvals.create({
        orgId,
        gatewayId: main.gatewayId,
        agent: "coder",
        requestId: `req_${uniqueSuffix()}`,
        action: {
          type: "http.post",
          connector: "internal",
          resource: "/",
          parameters: {},
          risk: "low",
          read: false,
        },
        approverRoles: ["owner", "admin", "member"],
        expiresAt: new Date(deps.clock().getTime() + 3600_000),
      });
      return approval.id;
    },
    async freshMember() {
      const created = await deps.repos.users.create({ email: `member-${uniqueSuffix()}@example.com` });
      if (!created.ok) throw new Error(created.message);
      const added = await deps.repos.memberships.add({ orgId, userId: created.value.id, role: "viewer" });
      if (!added.ok) throw new Error(added.message);
      return created.value.id;
    },
  };
}

/** What a case builds its input from: the caller's organization and the objects' world. */
export interface CaseFixture {
  /** The organization named in the input (`orgId`). */
  orgId: string;
  /** Whose API token `apiTokens.revoke` revokes (the caller in the RBAC test). */
  apiTokenOwnerId: string;
  world: ObjectWorld;
}

export interface ProcedureCase {
  /** The lowest role allowed (issue 5's matrix). */
  minRole: Role;
  /**
   * `objects`: the input names objects of `world` (a gateway, policy, member…), so a caller
   * from another organization must get NOT_FOUND/FORBIDDEN even in their own `orgId`.
   * `org-only`: the input names nothing but the organization.
   */
  crossTenant: "objects" | "org-only";
  input(fx: CaseFixture): Promise<Record<string, unknown>> | Record<string, unknown>;
}

const sandboxAction: Action = {
  type: "http.get",
  connector: "internal",
  resource: "/",
  parameters: {},
  risk: "low",
  read: true,
};

const minimalDocument =
  "version: 1\nconnectors:\n  - type: generic\n    name: internal\n    domains: [api.example.com]\n";

/**
 * Every organization-scoped procedure, keyed by its path, with its minimum role and an
 * input. The tenant-isolation and RBAC tests both read this table and fail for a
 * procedure of the router that is neither here nor in `exemptProcedures`. Destructive
 * procedures work on fresh objects so the order of calls does not matter.
 */
export const procedureCases: Record<string, ProcedureCase> = {
  "orgs.switch": { minRole: "viewer", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "orgs.update": {
    minRole: "admin",
    crossTenant: "org-only",
    input: (fx) => ({ orgId: fx.orgId, name: `Org ${uniqueSuffix()}` }),
  },
  "invites.create": {
    minRole: "admin",
    crossTenant: "org-only",
    input: (fx) => ({ orgId: fx.orgId, email: `new-${uniqueSuffix()}@example.com`, role: "member" }),
  },
  "invites.list": { minRole: "admin", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "invites.revoke": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, inviteId: (await fx.world.freshInvite()).inviteId }),
  },
  "members.list": { minRole: "viewer", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "members.setRole": {
    minRole: "owner",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, userId: await fx.world.freshMember(), role: "member" }),
  },
  "members.remove": {
    minRole: "owner",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, userId: await fx.world.freshMember() }),
  },
  "apiTokens.create": {
    minRole: "viewer",
    crossTenant: "org-only",
    input: (fx) => ({ orgId: fx.orgId, name: `token-${uniqueSuffix()}` }),
  },
  "apiTokens.list": { minRole: "viewer", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "apiTokens.revoke": {
    minRole: "viewer",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, tokenId: await fx.world.freshApiToken(fx.apiTokenOwnerId) }),
  },
  "gateways.create": {
    minRole: "admin",
    crossTenant: "org-only",
    input: (fx) => ({ orgId: fx.orgId, name: `gw-${uniqueSuffix()}` }),
  },
  "gateways.list": { minRole: "viewer", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "gateways.get": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "bundles.status": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "gateways.update": {
    minRole: "admin",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId, enforcement: "soft" }),
  },
  "gateways.rotateToken": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, gatewayId: await fx.world.freshGateway() }),
  },
  "gateways.revoke": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, gatewayId: await fx.world.freshGateway() }),
  },
  "connectors.add": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      gatewayId: await fx.world.freshGateway(),
      connector: { type: "github" },
    }),
  },
  "connectors.update": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      connectorId: (await fx.world.freshConnector()).connectorId,
      connector: { type: "generic", name: "internal", domains: ["api2.example.com"] },
    }),
  },
  "connectors.remove": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, connectorId: (await fx.world.freshConnector()).connectorId }),
  },
  "connectors.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "accessRules.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "accessRules.set": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => {
      const { gatewayId } = await fx.world.freshConnector();
      return { orgId: fx.orgId, gatewayId, rules: [{ connector: "internal", preset: "read_only" }] };
    },
  },
  "rateLimits.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "rateLimits.create": {
    minRole: "admin",
    crossTenant: "objects",
    input: (fx) => ({
      orgId: fx.orgId,
      gatewayId: fx.world.gatewayId,
      action: "http.*",
      max: 5,
      windowSeconds: 60,
    }),
  },
  "rateLimits.remove": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, rateLimitId: await fx.world.freshRateLimit() }),
  },
  "vault.setSecret": {
    minRole: "admin",
    crossTenant: "objects",
    input: (fx) => ({
      orgId: fx.orgId,
      gatewayId: fx.world.gatewayId,
      connectorId: fx.world.connectorId,
      value: `sk_test_${uniqueSuffix()}0123456789`,
    }),
  },
  "vault.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "vault.deleteSecret": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, ...(await fx.world.freshSecret()) }),
  },
  "policies.create": {
    minRole: "admin",
    crossTenant: "objects",
    input: (fx) => ({
      orgId: fx.orgId,
      gatewayId: fx.world.gatewayId,
      policy: { name: `p-${uniqueSuffix()}`, rules: [{ name: "r", decision: "allow" }] },
    }),
  },
  "policies.update": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      policyId: await fx.world.freshPolicy(),
      policy: { name: `p-${uniqueSuffix()}`, rules: [{ name: "r2", decision: "require_approval" }] },
    }),
  },
  "policies.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "policies.get": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, policyId: fx.world.policyId }),
  },
  "policies.versions": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, policyId: fx.world.policyId }),
  },
  "policies.diff": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, policyId: fx.world.policyId, from: 1, to: 1 }),
  },
  "policies.setEnabled": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, policyId: await fx.world.freshPolicy(), enabled: false }),
  },
  "policies.setPriority": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, policyId: await fx.world.freshPolicy(), priority: 7 }),
  },
  "policies.remove": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, policyId: await fx.world.freshPolicy() }),
  },
  "policies.sandbox": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId, action: sandboxAction }),
  },
  "policies.simulate": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId, days: 1 }),
  },
  "config.export": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "config.import": {
    minRole: "admin",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      gatewayId: await fx.world.freshGateway(),
      source: { yaml: minimalDocument },
    }),
  },
  "killSwitch.activate": {
    minRole: "owner",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      scope: "gateway",
      target: await fx.world.freshGateway(),
      reason: "drill",
    }),
  },
  "killSwitch.deactivate": {
    minRole: "owner",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, killSwitchId: await fx.world.freshKillSwitch() }),
  },
  "audit.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "audit.get": {
    minRole: "viewer",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, eventId: await fx.world.freshAuditEvent() }),
  },
  "audit.chains": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "audit.verifyChain": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "audit.markReviewed": {
    minRole: "member",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      gatewayId: fx.world.gatewayId,
      eventId: await fx.world.freshAuditEvent(),
      comment: "looked at it",
    }),
  },
  "audit.reviews": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "audit.unreviewedCount": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "audit.stats": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "approvals.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
  "approvals.get": {
    minRole: "viewer",
    crossTenant: "objects",
    input: async (fx) => ({ orgId: fx.orgId, approvalId: await fx.world.freshApproval() }),
  },
  "approvals.decide": {
    minRole: "member",
    crossTenant: "objects",
    input: async (fx) => ({
      orgId: fx.orgId,
      approvalId: await fx.world.freshApproval(),
      decision: "deny",
      note: "no",
    }),
  },
  "slack.getSettings": { minRole: "viewer", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "slack.saveSettings": {
    minRole: "admin",
    crossTenant: "org-only",
    input: (fx) => ({ orgId: fx.orgId, channel: "#approvals", botToken: `xoxb-${uniqueSuffix()}` }),
  },
  "slack.sendTest": { minRole: "admin", crossTenant: "org-only", input: (fx) => ({ orgId: fx.orgId }) },
  "killSwitch.list": {
    minRole: "viewer",
    crossTenant: "objects",
    input: (fx) => ({ orgId: fx.orgId, gatewayId: fx.world.gatewayId }),
  },
};

/** Procedures that act on no organization's objects, each with the reason. */
export const exemptProcedures: Record<string, string> = {
  "health.ping": "public liveness probe: touches no data",
  "auth.signUp": "creates a new user and organization: no existing organization is named",
  "auth.logIn": "authenticates by email and password: no organization is named",
  "auth.logOut": "ends the caller's own session",
  "auth.me": "returns the caller's own user and memberships",
  "orgs.list": "returns the caller's own memberships",
  "orgs.create": "creates a new organization owned by the caller",
  "invites.accept": "authorized by the invite token, not by membership: covered by its own cross-tenant test",
  "gatewayAgent.register":
    "a gateway's own call: its organization comes from its token (services/bundles/bundles.int.test.ts: wrong-tenant and revoked tokens)",
  "gatewayAgent.pollBundle":
    "a gateway's own call: its organization comes from its token (services/bundles/bundles.int.test.ts: wrong-tenant and revoked tokens)",
  "gatewayAgent.ackBundle":
    "a gateway's own call: its organization comes from its token (services/bundles/bundles.int.test.ts: wrong-tenant and revoked tokens)",
  "audit.ingest":
    "authorized by the gateway token (its organization is the token's): wrong-tenant tokens are covered in audit-pipeline.int.test.ts",
  "audit.ingestStatus":
    "authorized by the gateway token: counts only the calling gateway's chains (audit-pipeline.int.test.ts)",
  "approvals.create":
    "authorized by the gateway token: the approval is the calling gateway's (approvals.int.test.ts)",
  "approvals.wait":
    "authorized by the gateway token: another gateway's approval is not found (approvals.int.test.ts)",
};
