import type { Invite, Membership, Result, Role } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Invite as InviteRow } from "../generated/client.ts";
import { toMembership } from "./membership-repository.ts";
import { iso, isoOrNull, newId } from "./shared.ts";
import { normalizeEmail } from "./user-repository.ts";

export type InviteAcceptError = "not_found" | "expired" | "used" | "revoked";

export interface InviteRepository {
  /** Stores an invite; the caller keeps the plaintext token and passes only its hash. */
  create(input: {
    orgId: string;
    email: string;
    role: Role;
    tokenHash: string;
    expiresAt: Date;
    invitedByUserId?: string | null;
  }): Promise<Invite>;
  /** Invites neither accepted, revoked nor expired at `now`, newest first. */
  listPending(orgId: string, now: Date): Promise<Invite[]>;
  /** Looks an invite up by the hash of the token in the link (the org is not known yet). */
  findByTokenHash(tokenHash: string): Promise<Invite | null>;
  /**
   * Accepts an invite once: marks it used and adds (or updates) the membership in one
   * transaction. A second accept of the same token fails with `used`.
   */
  accept(input: {
    tokenHash: string;
    userId: string;
    now: Date;
  }): Promise<Result<{ invite: Invite; membership: Membership }, InviteAcceptError>>;
  revoke(orgId: string, inviteId: string, now: Date): Promise<boolean>;
}

export function createInviteRepository(db: DbClient): InviteRepository {
  return {
    async create({ orgId, email, role, tokenHash, expiresAt, invitedByUserId = null }) {
      const row = await db.invite.create({
        data: {
          id: newId("invite"),
          orgId,
          email: normalizeEmail(email),
          role,
          tokenHash,
          expiresAt,
          invitedByUserId,
        },
      });
      return toInvite(row);
    },

    async listPending(orgId, now) {
      const rows = await db.invite.findMany({
        where: { orgId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
        orderBy: { createdAt: "desc" },
      });
      return rows.map(toInvite);
    },

    async findByTokenHash(tokenHash) {
      const row = await db.invite.findUnique({ where: { tokenHash } });
      return row === null ? null : toInvite(row);
    },

    async accept({ tokenHash, userId, now }) {
      return db.$transaction(async (tx) => {
        // The conditional update is the single-use guarantee: only one caller can flip it.
        const { count } = await tx.invite.updateMany({
          where: { tokenHash, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
          data: { acceptedAt: now, acceptedByUserId: userId },
        });
        const row = await tx.invite.findUnique({ where: { tokenHash } });
        if (row === null) return { ok: false, code: "not_found", message: "invite not found" } as const;
        if (count === 0) {
          if (row.acceptedAt !== null)
            return { ok: false, code: "used", message: "invite was already used" } as const;
          if (row.revokedAt !== null)
            return { ok: false, code: "revoked", message: "invite was revoked" } as const;
          return { ok: false, code: "expired", message: "invite has expired" } as const;
        }
        const membership = await tx.membership.upsert({
          where: { orgId_userId: { orgId: row.orgId, userId } },
          create: { orgId: row.orgId, userId, role: row.role },
          // An existing member keeps their role: an invite never downgrades an owner.
          update: {},
        });
        return { ok: true, value: { invite: toInvite(row), membership: toMembership(membership) } } as const;
      });
    },

    async revoke(orgId, inviteId, now) {
      const { count } = await db.invite.updateMany({
        where: { id: inviteId, orgId, acceptedAt: null, revokedAt: null },
        data: { revokedAt: now },
      });
      return count === 1;
    },
  };
}

export function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    orgId: row.orgId,
    email: row.email,
    role: row.role,
    invitedByUserId: row.invitedByUserId,
    expiresAt: iso(row.expiresAt),
    acceptedAt: isoOrNull(row.acceptedAt),
    acceptedByUserId: row.acceptedByUserId,
    revokedAt: isoOrNull(row.revokedAt),
    createdAt: iso(row.createdAt),
  };
}
