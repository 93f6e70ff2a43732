import type { AppDeps } from "../../deps.ts";
import { sessionCookieName } from "../../trpc/context.ts";
import { issueToken } from "../shared/tokens.ts";

/** How long a dashboard session lives. */
export const sessionTtlMs = 14 * 24 * 3600 * 1000;

/** The `Set-Cookie` value for a session token: httpOnly, SameSite=Lax, Secure behind https. */
export function sessionCookie(publicUrl: string, token: string, maxAgeSeconds: number): string {
  const secure = publicUrl.startsWith("https:") ? "; Secure" : "";
  return `${sessionCookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

/** Clears the session cookie in the browser. */
export function clearedSessionCookie(publicUrl: string): string {
  return sessionCookie(publicUrl, "", 0);
}

/**
 * Starts a session: a fresh random token (so every login rotates it), stored only as its
 * SHA-256 hash; returns the cookie to set.
 */
export async function startSession(
  deps: AppDeps,
  input: { userId: string; activeOrgId: string | null; ip: string | null; userAgent: string | null },
): Promise<{ cookie: string; sessionId: string }> {
  const issued = issueToken(deps.randomBytes, "tfses");
  const now = deps.clock();
  const session = await deps.repos.sessions.create({
    userId: input.userId,
    tokenHash: issued.hash,
    expiresAt: new Date(now.getTime() + sessionTtlMs),
    activeOrgId: input.activeOrgId,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
  });
  return {
    cookie: sessionCookie(deps.env.PUBLIC_URL, issued.token, sessionTtlMs / 1000),
    sessionId: session.id,
  };
}
