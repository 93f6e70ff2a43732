import type { Invite, Organization, Role, User } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { type Principal, sha256Hex } from "../../trpc/context.ts";
import type { RequestMeta } from "../auth/auth-service.ts";
import { hashPassword } from "../auth/password.ts";
import { startSession } from "../auth/session-cookie.ts";
import type { OrgActor } from "../shared/actor.ts";
import { issueToken } from "../shared/tokens.ts";

export const defaultInviteTtlHours = 7 * 24;

export interface CreatedInvite {
  invite: Invite;
  /** The single-use token, shown once: only its hash is stored. */
  token: string;
  /** The link to send (the dashboard's accept page). */
  url: string;
}

export function createInvitesService(deps: AppDeps) {
  return {
    /**
     * Invites an email to the organization with a role. Only an owner may invite an owner
     * (an admin cannot hand out more than they have).
     */
    async create(
      actor: OrgActor,
      input: { email: string; role: Role; ttlHours?: number | undefined },
    ): Promise<CreatedInvite> {
      if (input.role === "owner" && actor.role !== "owner") {
        throw new AppError("forbidden", "only an owner can invite another owner");
      }
      const existing = await deps.repos.users.findByEmail(input.email);
      if (existing !== null && (await deps.repos.memberships.find(actor.orgId, existing.id)) !== null) {
        throw new AppError("conflict", `\`${existing.email}\` is already a member of this organization`);
      }
      const issued = issueToken(deps.randomBytes, "tfinv");
      const ttlMs = (input.ttlHours ?? defaultInviteTtlHours) * 3600 * 1000;
      const invite = await deps.repos.invites.create({
        orgId: actor.orgId,
        email: input.email,
        role: input.role,
        tokenHash: issued.hash,
        expiresAt: new Date(deps.clock().getTime() + ttlMs),
        invitedByUserId: actor.userId,
      });
      const url = new URL("/invite", deps.env.PUBLIC_URL);
      url.searchParams.set("token", issued.token);
      return { invite, token: issued.token, url: url.toString() };
    },

    async listPending(actor: OrgActor): Promise<Invite[]> {
      return deps.repos.invites.listPending(actor.orgId, deps.clock());
    },

    async revoke(actor: OrgActor, inviteId: string): Promise<void> {
      const revoked = await deps.repos.invites.revoke(actor.orgId, inviteId, deps.clock());
      if (!revoked) throw new AppError("not_found", `invite \`${inviteId}\` not found or no longer pending`);
    },

    /**
     * Accepts an invite link once. A signed-in caller must be the invited email; a new
     * person sets a password (the account is created and logged in); an existing account
     * must log in first. The token is single-use: a second accept fails.
     */
    async accept(
      principal: Principal,
      input: { token: string; password?: string | undefined; name?: string | undefined },
      meta: RequestMeta,
    ): Promise<{ user: User; organization: Organization; role: Role }> {
      const tokenHash = sha256Hex(input.token);
      const invite = await deps.repos.invites.findByTokenHash(tokenHash);
      if (invite === null) throw new AppError("not_found", "this invite link is not valid");
      const now = deps.clock();
      if (invite.acceptedAt !== null) throw new AppError("conflict", "this invite was already used");
      if (invite.revokedAt !== null)
        throw new AppError("precondition_failed", "this invite was revoked: ask for a new one");
      if (Date.parse(invite.expiresAt) <= now.getTime()) {
        throw new AppError("precondition_failed", "this invite has expired: ask for a new one");
      }

      let user: User;
      let loginNewUser = false;
      if (principal.kind === "user") {
        if (principal.user.email !== invite.email) {
          throw new AppError(
            "forbidden",
            `this invite is for \`${invite.email}\`; you are signed in as \`${principal.user.email}\``,
          );
        }
        user = principal.user;
      } else {
        if ((await deps.repos.users.findByEmail(invite.email)) !== null) {
          throw new AppError(
            "unauthorized",
            `log in as \`${invite.email}\` first, then open the invite link again`,
          );
        }
        if (input.password === undefined) {
          throw new AppError(
            "bad_request",
            "choose a password (at least 12 characters) to create your account",
          );
        }
        const created = await deps.repos.users.create({
          email: invite.email,
          name: input.name ?? null,
          passwordHash: await hashPassword(input.password),
        });
        if (!created.ok)
          throw new AppError("conflict", "an account with this email already exists: log in first");
        user = created.value;
        loginNewUser = true;
      }

      const accepted = await deps.repos.invites.accept({ tokenHash, userId: user.id, now });
      if (!accepted.ok) {
        const code =
          accepted.code === "used"
            ? "conflict"
            : accepted.code === "not_found"
              ? "not_found"
              : "precondition_failed";
        throw new AppError(code, `this ${accepted.message}`);
      }
      const organization = await deps.repos.organizations.findById(invite.orgId);
      if (organization === null)
        throw new AppError("not_found", "the organization of this invite no longer exists");
      if (loginNewUser) {
        const session = await startSession(deps, {
          userId: user.id,
          activeOrgId: organization.id,
          ip: meta.ip,
          userAgent: meta.userAgent,
        });
        meta.setCookie(session.cookie);
      }
      return { user, organization, role: accepted.value.membership.role };
    },
  };
}
