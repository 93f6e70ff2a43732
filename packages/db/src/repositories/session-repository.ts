import type { Session } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { Session as SessionRow } from "../generated/client.ts";
import { iso, isoOrNull, newId } from "./shared.ts";

export interface SessionRepository {
  /** Stores a session; the cookie holds the token, the database only its hash. */
  create(input: {
    userId: string;
    tokenHash: string;
    expiresAt: Date;
    activeOrgId?: string | null;
    ip?: string | null;
    userAgent?: string | null;
  }): Promise<Session>;
  /** The session for a cookie's token hash, or null when unknown, revoked or expired at `now`. */
  findValidByTokenHash(tokenHash: string, now: Date): Promise<Session | null>;
  touch(sessionId: string, now: Date): Promise<void>;
  setActiveOrg(sessionId: string, orgId: string | null): Promise<boolean>;
  revoke(sessionId: string, now: Date): Promise<boolean>;
  /** Revokes every live session of a user (password change, removal); returns how many. */
  revokeAllForUser(userId: string, now: Date): Promise<number>;
  /** Deletes sessions that expired before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

export function createSessionRepository(db: DbClient): SessionRepository {
  return {
    async create({ userId, tokenHash, expiresAt, activeOrgId = null, ip = null, userAgent = null }) {
      const row = await db.session.create({
        data: { id: newId("session"), userId, tokenHash, expiresAt, activeOrgId, ip, userAgent },
      });
      return toSession(row);
    },

    async findValidByTokenHash(tokenHash, now) {
      const row = await db.session.findFirst({
        where: { tokenHash, revokedAt: null, expiresAt: { gt: now }, user: { disabledAt: null } },
      });
      return row === null ? null : toSession(row);
    },

    async touch(sessionId, now) {
      await db.session.updateMany({ where: { id: sessionId }, data: { lastSeenAt: now } });
    },

    async setActiveOrg(sessionId, orgId) {
      const { count } = await db.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { activeOrgId: orgId },
      });
      return count === 1;
    },

    async revoke(sessionId, now) {
      const { count } = await db.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count === 1;
    },

    async revokeAllForUser(userId, now) {
      const { count } = await db.session.updateMany({
        where: { userId, revokedAt: null, expiresAt: { gt: now } },
        data: { revokedAt: now },
      });
      return count;
    },

    async deleteExpired(now) {
      const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
      return count;
    },
  };
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.userId,
    activeOrgId: row.activeOrgId,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
    lastSeenAt: isoOrNull(row.lastSeenAt),
    revokedAt: isoOrNull(row.revokedAt),
  };
}
