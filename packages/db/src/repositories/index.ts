import { type DbClient, prismaRawSql, type RawSql } from "../database.ts";
import { type AccessRuleRepository, createAccessRuleRepository } from "./access-rule-repository.ts";
import { type ApiTokenRepository, createApiTokenRepository } from "./api-token-repository.ts";
import { type ApprovalRepository, createApprovalRepository } from "./approval-repository.ts";
import { type AuditRepository, createAuditRepository } from "./audit-repository.ts";
import { type BundleRepository, createBundleRepository } from "./bundle-repository.ts";
import { type ConnectorRepository, createConnectorRepository } from "./connector-repository.ts";
import { createGatewayRepository, type GatewayRepository } from "./gateway-repository.ts";
import { createInviteRepository, type InviteRepository } from "./invite-repository.ts";
import { createKillSwitchRepository, type KillSwitchRepository } from "./kill-switch-repository.ts";
import { createLoginAttemptRepository, type LoginAttemptRepository } from "./login-attempt-repository.ts";
import { createMembershipRepository, type MembershipRepository } from "./membership-repository.ts";
import { createOrganizationRepository, type OrganizationRepository } from "./organization-repository.ts";
import { createPolicyRepository, type PolicyRepository } from "./policy-repository.ts";
import { createRateLimitRepository, type RateLimitRepository } from "./rate-limit-repository.ts";
import { createReviewMarkRepository, type ReviewMarkRepository } from "./review-mark-repository.ts";
import { createSecretRepository, type SecretRepository } from "./secret-repository.ts";
import { createSessionRepository, type SessionRepository } from "./session-repository.ts";
import { createSigningKeyRepository, type SigningKeyRepository } from "./signing-key-repository.ts";
import { createSlackSettingsRepository, type SlackSettingsRepository } from "./slack-settings-repository.ts";
import { createUserRepository, type UserRepository } from "./user-repository.ts";

export interface Repositories {
  organizations: OrganizationRepository;
  users: UserRepository;
  memberships: MembershipRepository;
  invites: InviteRepository;
  sessions: SessionRepository;
  apiTokens: ApiTokenRepository;
  loginAttempts: LoginAttemptRepository;
  gateways: GatewayRepository;
  connectors: ConnectorRepository;
  secrets: SecretRepository;
  accessRules: AccessRuleRepository;
  policies: PolicyRepository;
  rateLimits: RateLimitRepository;
  bundles: BundleRepository;
  approvals: ApprovalRepository;
  audit: AuditRepository;
  reviewMarks: ReviewMarkRepository;
  killSwitches: KillSwitchRepository;
  slack: SlackSettingsRepository;
  signingKeys: SigningKeyRepository;
}

/**
 * Every repository over one client. `sql` runs the few statements that go around Prisma
 * (the audit batch insert): pass `database.sql` for a `Database`'s client; the default goes
 * through `db`, which is what a transaction client needs (its statements must join it).
 */
export function createRepositories(db: DbClient, sql: RawSql = prismaRawSql(db)): Repositories {
  return {
    organizations: createOrganizationRepository(db),
    users: createUserRepository(db),
    memberships: createMembershipRepository(db),
    invites: createInviteRepository(db),
    sessions: createSessionRepository(db),
    apiTokens: createApiTokenRepository(db),
    loginAttempts: createLoginAttemptRepository(db),
    gateways: createGatewayRepository(db),
    connectors: createConnectorRepository(db),
    secrets: createSecretRepository(db),
    accessRules: createAccessRuleRepository(db),
    policies: createPolicyRepository(db),
    rateLimits: createRateLimitRepository(db),
    bundles: createBundleRepository(db),
    approvals: createApprovalRepository(db),
    audit: createAuditRepository(db, sql),
    reviewMarks: createReviewMarkRepository(db),
    killSwitches: createKillSwitchRepository(db),
    slack: createSlackSettingsRepository(db),
    signingKeys: createSigningKeyRepository(db),
  };
}

/**
 * Runs `fn` with repositories bound to one database transaction: every write commits
 * together or none does (config import, vault key rotation). Repository methods that open
 * their own transaction join this one instead. `timeoutMs` bounds the whole transaction.
 */
export async function withTransaction<T>(
  db: DbClient,
  fn: (repos: Repositories) => Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? 15_000;
  return db.$transaction(async (tx) => fn(createRepositories(joinable(tx))), { timeout, maxWait: timeout });
}

/**
 * A transaction client whose `$transaction` runs inside the enclosing transaction (Prisma's
 * transaction clients have none), so repositories can be handed a transaction unchanged.
 */
function joinable(tx: object): DbClient {
  const client: DbClient = new Proxy(tx, {
    get(target, property, receiver) {
      if (property === "$transaction") {
        return async (arg: unknown) => {
          if (typeof arg === "function") return (arg as (inner: DbClient) => Promise<unknown>)(client);
          const results: unknown[] = [];
          for (const query of arg as Promise<unknown>[]) results.push(await query);
          return results;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  }) as DbClient;
  return client;
}

export * from "./access-rule-repository.ts";
export * from "./api-token-repository.ts";
export * from "./approval-repository.ts";
export * from "./audit-repository.ts";
export * from "./bundle-repository.ts";
export * from "./connector-repository.ts";
export * from "./gateway-repository.ts";
export * from "./invite-repository.ts";
export * from "./kill-switch-repository.ts";
export * from "./login-attempt-repository.ts";
export * from "./membership-repository.ts";
export * from "./organization-repository.ts";
export * from "./policy-repository.ts";
export * from "./rate-limit-repository.ts";
export * from "./review-mark-repository.ts";
export * from "./secret-repository.ts";
export * from "./session-repository.ts";
export * from "./slack-settings-repository.ts";
export * from "./user-repository.ts";
