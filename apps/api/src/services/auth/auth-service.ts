import type { Organization, Role, User } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { type Principal, sha256Hex } from "../../trpc/context.ts";
import { checkLoginThrottle } from "./login-throttle.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./password.ts";
import { clearedSessionCookie, startSession } from "./session-cookie.ts";

/** What the transport tells a service about the request (no tRPC types). */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** The session token from the cookie, if any (logout and login rotation revoke it). */
  sessionToken: string | null;
  setCookie(cookie: string): void;
}

export interface MembershipView {
  organization: Organization;
  role: Role;
}

export interface MeView {
  user: User;
  memberships: MembershipView[];
  /** The organization the dashboard shows (the session's choice, else the first). */
  activeOrgId: string | null;
  via: "session" | "api_token";
}

/** Lower-case, dash-separated, at most 40 characters; a random suffix keeps it unique. */
export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return base === "" ? "org" : base;
}

const invalidLogin = "email or password is incorrect";

export function createAuthService(deps: AppDeps) {
  /** Creates an organization owned by `userId`; retries the slug suffix on the rare collision. */
  async function createOrganization(name: string, ownerUserId: string): Promise<Organization> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const suffix = Buffer.from(deps.randomBytes(4)).toString("hex");
      const created = await deps.repos.organizations.createWithOwner({
        name,
        slug: `${slugify(name)}-${suffix}`,
        ownerUserId,
      });
      if (created.ok) return created.value.organization;
      if (created.code !== "conflict") throw new AppError("not_found", created.message);
    }
    throw new AppError("conflict", "could not find a free organization slug; try another name");
  }

  async function membershipsOf(userId: string): Promise<MembershipView[]> {
    return deps.repos.organizations.listForUser(userId);
  }

  return {
    createOrganization,

    /** Creates a user and a new organization with that user as its owner, and logs in. */
    async signUp(
      input: { email: string; password: string; name?: string | undefined; orgName: string },
      meta: RequestMeta,
    ): Promise<{ user: User; organization: Organization }> {
      const passwordHash = await hashPassword(input.password);
      const created = await deps.repos.users.create({
        email: input.email,
        name: input.name ?? null,
        passwordHash,
      });
      if (!created.ok)
        throw new AppError("conflict", "an account with this email already exists: log in instead");
      const organization = await createOrganization(input.orgName, created.value.id);
      await revokeCurrentSession(meta);
      const session = await startSession(deps, {
        userId: created.value.id,
        activeOrgId: organization.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      meta.setCookie(session.cookie);
      await deps.repos.users.recordLogin(created.value.id, deps.clock());
      return { user: created.value, organization };
    },

    /**
     * Checks the password (throttled per email and per address) and starts a new session
     * with a new token; a session the browser already had is revoked (rotation on login).
     */
    async logIn(input: { email: string; password: string }, meta: RequestMeta): Promise<MeView> {
      await checkLoginThrottle(deps, input.email, meta.ip);
      const credentials = await deps.repos.users.findCredentialsByEmail(input.email);
      const stored = credentials?.passwordHash ?? (await dummyPasswordHash());
      const matches = await verifyPassword(input.password, stored);
      const user = credentials?.user;
      const now = deps.clock();
      if (!matches || user === undefined || credentials?.passwordHash == null || user.disabledAt !== null) {
        await deps.repos.loginAttempts.record({ email: input.email, ip: meta.ip, succeeded: false, at: now });
        throw new AppError("unauthorized", invalidLogin);
      }
      await deps.repos.loginAttempts.record({ email: input.email, ip: meta.ip, succeeded: true, at: now });
      await deps.repos.users.recordLogin(user.id, now);
      const memberships = await membershipsOf(user.id);
      const activeOrgId = memberships[0]?.organization.id ?? null;
      await revokeCurrentSession(meta);
      const session = await startSession(deps, {
        userId: user.id,
        activeOrgId,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      meta.setCookie(session.cookie);
      return { user: { ...user, lastLoginAt: now.toISOString() }, memberships, activeOrgId, via: "session" };
    },

    /** Revokes the current session and clears the cookie. Harmless when not logged in. */
    async logOut(meta: RequestMeta): Promise<{ loggedOut: boolean }> {
      const revoked = await revokeCurrentSession(meta);
      meta.setCookie(clearedSessionCookie(deps.env.PUBLIC_URL));
      return { loggedOut: revoked };
    },

    /** The caller, the organizations they belong to (only the token's one for an API token). */
    async me(principal: Extract<Principal, { kind: "user" }>): Promise<MeView> {
      let memberships = await membershipsOf(principal.user.id);
      if (principal.apiTokenOrgId !== null) {
        memberships = memberships.filter((m) => m.organization.id === principal.apiTokenOrgId);
      }
      const chosen = principal.session?.activeOrgId ?? principal.apiTokenOrgId;
      const activeOrgId = memberships.some((m) => m.organization.id === chosen)
        ? (chosen ?? null)
        : (memberships[0]?.organization.id ?? null);
      return {
        user: principal.user,
        memberships,
        activeOrgId,
        via: principal.session === null ? "api_token" : "session",
      };
    },
  };

  async function revokeCurrentSession(meta: RequestMeta): Promise<boolean> {
    if (meta.sessionToken === null) return false;
    const session = await deps.repos.sessions.findValidByTokenHash(
      sha256Hex(meta.sessionToken),
      deps.clock(),
    );
    if (session === null) return false;
    return deps.repos.sessions.revoke(session.id, deps.clock());
  }
}

export type AuthService = ReturnType<typeof createAuthService>;
