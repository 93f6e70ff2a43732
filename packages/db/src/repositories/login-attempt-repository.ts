import type { DbClient } from "../database.ts";
import { normalizeEmail } from "./user-repository.ts";

export interface LoginAttemptRepository {
  record(input: { email: string; ip?: string | null; succeeded: boolean; at: Date }): Promise<void>;
  /** Failed attempts for an email since `since` (for throttling). */
  countFailuresForEmail(email: string, since: Date): Promise<number>;
  /** Failed attempts from an address since `since`. */
  countFailuresForIp(ip: string, since: Date): Promise<number>;
  /** Deletes attempts older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

export function createLoginAttemptRepository(db: DbClient): LoginAttemptRepository {
  return {
    async record({ email, ip = null, succeeded, at }) {
      await db.loginAttempt.create({
        data: { email: normalizeEmail(email), ip, succeeded, attemptedAt: at },
      });
    },
    async countFailuresForEmail(email, since) {
      return db.loginAttempt.count({
        where: { email: normalizeEmail(email), succeeded: false, attemptedAt: { gte: since } },
      });
    },
    async countFailuresForIp(ip, since) {
      return db.loginAttempt.count({ where: { ip, succeeded: false, attemptedAt: { gte: since } } });
    },
    async prune(before) {
      const { count } = await db.loginAttempt.deleteMany({ where: { attemptedAt: { lt: before } } });
      return count;
    },
  };
}
