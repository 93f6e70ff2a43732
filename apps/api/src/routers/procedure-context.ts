import type { Role, User } from "@tameflare/contracts";
import type { RequestMeta } from "../services/auth/auth-service.ts";
import type { OrgActor } from "../services/shared/actor.ts";
import type { RequestContext } from "../trpc/context.ts";

/** The acting member, from what `orgProcedure` put in the context. */
export function actorOf(ctx: { user: User; org: { orgId: string; role: Role } }): OrgActor {
  return { orgId: ctx.org.orgId, userId: ctx.user.id, role: ctx.org.role };
}

/** What services may know of the request: address, agent, session cookie, a way to set cookies. */
export function metaOf(ctx: RequestContext): RequestMeta {
  return {
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    sessionToken: ctx.sessionToken,
    setCookie: (c) => ctx.setCookie(c),
  };
}
