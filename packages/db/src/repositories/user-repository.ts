import type { Result, User, UserCredentials } from "@tameflare/contracts";
import type { DbClient } from "../database.ts";
import type { User as UserRow } from "../generated/client.ts";
import { iso, isoOrNull, isUniqueViolation, newId } from "./shared.ts";

export interface UserRepository {
  /** Creates a user (email stored lower-cased); `conflict` when the email is taken. */
  create(input: {
    email: string;
    name?: string | null;
    passwordHash?: string | null;
  }): Promise<Result<User, "conflict">>;
  findById(userId: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /** The user and stored password hash, for the login check only. */
  findCredentialsByEmail(email: string): Promise<UserCredentials | null>;
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  setName(userId: string, name: string | null): Promise<User | null>;
  recordLogin(userId: string, at: Date): Promise<void>;
  disable(userId: string, at: Date): Promise<boolean>;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createUserRepository(db: DbClient): UserRepository {
  const repo: UserRepository = {
    async create({ email, name = null, passwordHash = null }) {
      const normalized = normalizeEmail(email);
      try {
        const row = await db.user.create({
          data: { id: newId("user"), email: normalized, name, passwordHash },
        });
        return { ok: true, value: toUser(row) };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return {
            ok: false,
            code: "conflict",
            message: `a user with email \`${normalized}\` already exists`,
          };
        }
        throw error;
      }
    },

    async findById(userId) {
      const row = await db.user.findUnique({ where: { id: userId } });
      return row === null ? null : toUser(row);
    },

    async findByEmail(email) {
      const row = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
      return row === null ? null : toUser(row);
    },

    async findCredentialsByEmail(email) {
      const row = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
      return row === null ? null : { user: toUser(row), passwordHash: row.passwordHash };
    },

    async setPasswordHash(userId, passwordHash) {
      const { count } = await db.user.updateMany({ where: { id: userId }, data: { passwordHash } });
      return count === 1;
    },

    async setName(userId, name) {
      const { count } = await db.user.updateMany({ where: { id: userId }, data: { name } });
      return count === 0 ? null : repo.findById(userId);
    },

    async recordLogin(userId, at) {
      await db.user.updateMany({ where: { id: userId }, data: { lastLoginAt: at } });
    },

    async disable(userId, at) {
      const { count } = await db.user.updateMany({
        where: { id: userId, disabledAt: null },
        data: { disabledAt: at },
      });
      return count === 1;
    },
  };
  return repo;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    hasPassword: row.passwordHash !== null,
    lastLoginAt: isoOrNull(row.lastLoginAt),
    disabledAt: isoOrNull(row.disabledAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
