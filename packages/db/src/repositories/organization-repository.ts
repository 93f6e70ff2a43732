import type { Membership, Organization, Result, Role } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Organization as OrganizationRow } from "../generated/client.ts";
import { toMembership } from "./membership-repository.ts";
import { isForeignKeyViolation, iso, isUniqueViolation, newId } from "./shared.ts";

export interface OrganizationRepository {
  /** Creates an organization; `conflict` when the slug is taken. */
  create(input: { name: string; slug: string }): Promise<Result<Organization, "conflict">>;
  /** Creates an organization and makes `ownerUserId` its owner, atomically; `not_found` for an unknown user. */
  createWithOwner(input: {
    name: string;
    slug: string;
    ownerUserId: string;
  }): Promise<Result<{ organization: Organization; membership: Membership }, "conflict" | "not_found">>;
  findById(orgId: string): Promise<Organization | null>;
  findBySlug(slug: string): Promise<Organization | null>;
  /** The organizations a user belongs to, with the user's role in each, oldest first. */
  listForUser(userId: string): Promise<{ organization: Organization; role: Role }[]>;
  rename(orgId: string, name: string): Promise<Organization | null>;
}

export function createOrganizationRepository(db: DbClient): OrganizationRepository {
  const repo: OrganizationRepository = {
    async create({ name, slug }) {
      try {
        const row = await db.organization.create({ data: { id: newId("organization"), name, slug } });
        return { ok: true, value: toOrganization(row) };
      } catch (error) {
        if (isUniqueViolation(error)) return slugTaken(slug);
        throw error;
      }
    },

    async createWithOwner({ name, slug, ownerUserId }) {
      try {
        const [org, membership] = await db.$transaction(async (tx) => {
          const org = await tx.organization.create({ data: { id: newId("organization"), name, slug } });
          const membership = await tx.membership.create({
            data: { orgId: org.id, userId: ownerUserId, role: "owner" },
          });
          return [org, membership] as const;
        });
        return {
          ok: true,
          value: { organization: toOrganization(org), membership: toMembership(membership) },
        };
      } catch (error) {
        if (isUniqueViolation(error)) return slugTaken(slug);
        if (isForeignKeyViolation(error)) {
          return { ok: false, code: "not_found", message: `user \`${ownerUserId}\` does not exist` };
        }
        throw error;
      }
    },

    async findById(orgId) {
      const row = await db.organization.findUnique({ where: { id: orgId } });
      return row === null ? null : toOrganization(row);
    },

    async findBySlug(slug) {
      const row = await db.organization.findUnique({ where: { slug } });
      return row === null ? null : toOrganization(row);
    },

    async listForUser(userId) {
      const rows = await db.membership.findMany({
        where: { userId },
        include: { organization: true },
        orderBy: { createdAt: "asc" },
      });
      return rows.map((m) => ({ organization: toOrganization(m.organization), role: m.role }));
    },

    async rename(orgId, name) {
      const { count } = await db.organization.updateMany({ where: { id: orgId }, data: { name } });
      return count === 0 ? null : repo.findById(orgId);
    },
  };
  return repo;
}

function slugTaken(slug: string): { ok: false; code: "conflict"; message: string } {
  return { ok: false, code: "conflict", message: `organization slug \`${slug}\` is already taken` };
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
