import type { Member, Membership, Role } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { OrgActor } from "../shared/actor.ts";

const lastOwner = "the organization needs at least one owner: make someone else owner first";

export function createMembersService(deps: AppDeps) {
  async function requireMember(orgId: string, userId: string): Promise<Membership> {
    const membership = await deps.repos.memberships.find(orgId, userId);
    if (membership === null)
      throw new AppError("not_found", `user \`${userId}\` is not a member of this organization`);
    return membership;
  }

  return {
    async list(actor: OrgActor): Promise<Member[]> {
      return deps.repos.memberships.listMembers(actor.orgId);
    },

    /** Changes a member's role; the last owner cannot be demoted. */
    async setRole(actor: OrgActor, userId: string, role: Role): Promise<Membership> {
      const current = await requireMember(actor.orgId, userId);
      if (current.role === "owner" && role !== "owner") {
        if ((await deps.repos.memberships.countWithRole(actor.orgId, "owner")) <= 1) {
          throw new AppError("precondition_failed", lastOwner);
        }
      }
      const updated = await deps.repos.memberships.setRole(actor.orgId, userId, role);
      if (updated === null)
        throw new AppError("not_found", `user \`${userId}\` is not a member of this organization`);
      return updated;
    },

    /** Removes a member; the last owner cannot be removed. */
    async remove(actor: OrgActor, userId: string): Promise<void> {
      const current = await requireMember(actor.orgId, userId);
      if (
        current.role === "owner" &&
        (await deps.repos.memberships.countWithRole(actor.orgId, "owner")) <= 1
      ) {
        throw new AppError("precondition_failed", lastOwner);
      }
      if (!(await deps.repos.memberships.remove(actor.orgId, userId))) {
        throw new AppError("not_found", `user \`${userId}\` is not a member of this organization`);
      }
    },
  };
}
