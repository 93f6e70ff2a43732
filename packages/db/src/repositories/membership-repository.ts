import type { Member, Membership, Result, Role } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Membership as MembershipRow } from "../generated/client.ts";
import { isForeignKeyViolation, iso, isUniqueViolation } from "./shared.ts";
import { toUser } from "./user-repository.ts";

export interface MembershipRepository {
  /** Adds a user to an organization; `conflict` when already a member, `not_found` for an unknown org or user. */
  add(input: {
    orgId: string;
    userId: string;
    role: Role;
  }): Promise<Result<Membership, "conflict" | "not_found">>;
  find(orgId: string, userId: string): Promise<Membership | null>;
  /** Members of an organization with their user records, oldest first. */
  listMembers(orgId: string): Promise<Member[]>;
  setRole(orgId: string, userId: string, role: Role): Promise<Membership | null>;
  remove(orgId: string, userId: string): Promise<boolean>;
  /** How many members hold a role (e.g. to refuse removing the last owner). */
  countWithRole(orgId: string, role: Role): Promise<number>;
}

export function createMembershipRepository(db: DbClient): MembershipRepository {
  const repo: MembershipRepository = {
    async add({ orgId, userId, role }) {
      try {
        const row = await db.membership.create({ data: { orgId, userId, role } });
        return { ok: true, value: toMembership(row) };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return {
            ok: false,
            code: "conflict",
            message: `user \`${userId}\` is already a member of \`${orgId}\``,
          };
        }
        if (isForeignKeyViolation(error)) {
          return {
            ok: false,
            code: "not_found",
            message: `organization \`${orgId}\` or user \`${userId}\` does not exist`,
          };
        }
        throw error;
      }
    },

    async find(orgId, userId) {
      const row = await db.membership.findUnique({ where: { orgId_userId: { orgId, userId } } });
      return row === null ? null : toMembership(row);
    },

    async listMembers(orgId) {
      const rows = await db.membership.findMany({
        where: { orgId },
        include: { user: true },
        orderBy: { createdAt: "asc" },
      });
      return rows.map((m) => ({ ...toMembership(m), user: toUser(m.user) }));
    },

    async setRole(orgId, userId, role) {
      const { count } = await db.membership.updateMany({ where: { orgId, userId }, data: { role } });
      return count === 0 ? null : repo.find(orgId, userId);
    },

    async remove(orgId, userId) {
      const { count } = await db.membership.deleteMany({ where: { orgId, userId } });
      return count === 1;
    },

    async countWithRole(orgId, role) {
      return db.membership.count({ where: { orgId, role } });
    },
  };
  return repo;
}

export function toMembership(row: MembershipRow): Membership {
  return {
    orgId: row.orgId,
    userId: row.userId,
    role: row.role,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
