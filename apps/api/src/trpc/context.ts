import { createHash } from "node:crypto";
import type { Gateway, Role, Session, User } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";

export const sessionCookieName = "tf_session";

export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; user: User; session: Session | null; apiTokenOrgId: string | null }
  | { kind: "gateway"; gateway: Gateway };

export interface RequestContext {
  deps: AppDeps;
  principal: Principal;
  /** Caller address, for throttling and audit. */
  ip: string | null;
  userAgent: string | null;
  /** Raw session token from the cookie (logout revokes it). */
  sessionToken: string | null;
  /** Adds a `Set-Cookie` header to the response. */
  setCookie(cookie: string): void;
}

/** Filled in by `orgProcedure`: the caller's organization and role in it. */
export interface OrgScope {
  orgId: string;
  role: Role;
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/**
 * Resolves who is calling from the session cookie, a personal API token
 * (`Authorization: Bearer tfpat_…`) or a gateway token (`Bearer gwtk_…`).
 * Tokens are looked up by SHA-256 hash only; the stored hash is never compared
 * in user code, so there is no timing oracle on the token itself.
 */
export async function resolvePrincipal(
  deps: AppDeps,
  headers: { authorization?: string | undefined; cookie?: string | undefined },
): Promise<{ principal: Principal; sessionToken: string | null }> {
  const now = deps.clock();
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
  if (bearer?.startsWith("gwtk_")) {
    const gateway = await deps.repos.gateways.findByTokenHash(sha256Hex(bearer));
    return { principal: gateway ? { kind: "gateway", gateway } : { kind: "anonymous" }, sessionToken: null };
  }
  if (bearer?.startsWith("tfpat_")) {
    const token = await deps.repos.apiTokens.findValidByTokenHash(sha256Hex(bearer), now);
    if (!token) return { principal: { kind: "anonymous" }, sessionToken: null };
    const user = await deps.repos.users.findById(token.userId);
    if (!user) return { principal: { kind: "anonymous" }, sessionToken: null };
    await deps.repos.apiTokens.touch(token.id, now);
    return {
      principal: { kind: "user", user, session: null, apiTokenOrgId: token.orgId },
      sessionToken: null,
    };
  }
  const sessionToken = readCookie(headers.cookie, sessionCookieName);
  if (sessionToken) {
    const session = await deps.repos.sessions.findValidByTokenHash(sha256Hex(sessionToken), now);
    if (session) {
      const user = await deps.repos.users.findById(session.userId);
      if (user) return { principal: { kind: "user", user, session, apiTokenOrgId: null }, sessionToken };
    }
  }
  return { principal: { kind: "anonymous" }, sessionToken };
}
