import type { Organization } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { Principal } from "../../trpc/context.ts";
import { createAuthService, type MembershipView } from "../auth/auth-service.ts";
import type { OrgActor } from "../shared/actor.ts";

type UserPrincipal = Extract<Principal, { kind: "user" }>;

export function createOrgsService(deps: AppDeps) {
  return {
    /** The caller's organizations (only the token's one for an API token). */
    async list(principal: UserPrincipal): Promise<MembershipView[]> {
      const all = await deps.repos.organizations.listForUser(principal.user.id);
      return principal.apiTokenOrgId === null
        ? all
        : all.filter((m) => m.organization.id === principal.apiTokenOrgId);
    },

    /** Makes an organization the session's active one (the caller is a member: checked by the router). */
    async switchTo(principal: UserPrincipal, actor: OrgActor): Promise<MembershipView> {
      if (principal.session === null) {
        throw new AppError(
          "bad_request",
          "an API token is bound to one organization and has no active organization to switch",
        );
      }
      await deps.repos.sessions.setActiveOrg(principal.session.id, actor.orgId);
      const organization = await deps.repos.organizations.findById(actor.orgId);
      if (organization === null) throw new AppError("not_found", "organization not found");
      return { organization, role: actor.role };
    },

    /** A further organization for a signed-in user, who becomes its owner. */
    async create(principal: UserPrincipal, name: string): Promise<Organization> {
      if (principal.session === null) {
        throw new AppError("forbidden", "an API token cannot create organizations: sign in to the dashboard");
      }
      const organization = await createAuthService(deps).createOrganization(name, principal.user.id);
      await deps.repos.sessions.setActiveOrg(principal.session.id, organization.id);
      return organization;
    },

    async rename(actor: OrgActor, name: string): Promise<Organization> {
      const organization = await deps.repos.organizations.rename(actor.orgId, name);
      if (organization === null) throw new AppError("not_found", "organization not found");
      return organization;
    },
  };
}
