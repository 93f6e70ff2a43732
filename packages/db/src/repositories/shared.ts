import { randomBytes, randomUUID } from "node:crypto";
import { messages } from "@electric-sql/pglite";
import { type IdKind, makeId } from "@tameflare/contracts";
import pg from "pg";
import type { z } from "zod";
import { Prisma } from "../generated/client.ts";

/** A fresh prefixed id (`gw_…`) from 16 random bytes. */
export function newId(kind: IdKind): string {
  return makeId(kind, randomBytes(16));
}

/** A fresh id for rows whose kind has no public prefix. */
export function newUuid(): string {
  return randomUUID();
}

export function iso(date: Date): string {
  return date.toISOString();
}

export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * Parses a JSON column with its contract schema. A row that no longer matches is a data
 * error worth a loud, precise message rather than a silently wrong record.
 */
export function parseColumn<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") ?? "";
    throw new Error(
      `${where}: stored value does not match its schema: ${path ? `${path}: ` : ""}${issue?.message}`,
    );
  }
  return parsed.data;
}

/** Prisma's JSON input type, for values already validated by a contract schema. */
export function json(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

/**
 * True when the error is a unique-constraint violation (Prisma P2002, or Postgres 23505
 * through Prisma or straight from the driver: `RawSql`).
 */
export function isUniqueViolation(error: unknown): boolean {
  return hasCode(error, "P2002", "23505");
}

/** True when the error is a foreign-key violation (Prisma P2003, or Postgres 23503 through Prisma or the driver). */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasCode(error, "P2003", "23503");
}

function hasCode(error: unknown, prismaCode: string, sqlState: string): boolean {
  // `pg` and PGlite each throw their `DatabaseError`, the SQLSTATE in `code`.
  if (isDriverError(error)) return error.code === sqlState;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === prismaCode) return true;
  // Raw queries fail with P2010 and carry the driver's SQLSTATE in `meta`.
  const meta = error.meta as
    | { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } }
    | undefined;
  return meta?.code === sqlState || meta?.driverAdapterError?.cause?.originalCode === sqlState;
}

function isDriverError(error: unknown): error is { code: string | undefined } {
  return error instanceof pg.DatabaseError || error instanceof messages.DatabaseError;
}

/** Escapes LIKE wildcards in a literal, then turns `*` into `%`. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%");
}
