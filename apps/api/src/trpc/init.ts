import { type Role, roles } from "@tameflare/contracts";
import { initTRPC } from "@trpc/server";
import { z } from "zod";
import { AppError, toTrpcError } from "../errors/app-error.ts";
import type { RequestContext } from "./context.ts";

const t = initTRPC.context<RequestContext>().create({
  errorFormatter({ shape, error }) {
    // Only AppError messages (already made public) reach clients; the rest is generic.
    const cause = error.cause;
    const message =
      cause instanceof AppError
        ? cause.publicMessage()
        : error.code === "INTERNAL_SERVER_ERROR"
          ? "internal error"
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        appCode: cause instanceof AppError ? cause.code : undefined,
        zodIssues: error.code === "BAD_REQUEST" && cause instanceof z.ZodError ? cause.issues : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Converts thrown AppErrors to tRPC errors and logs unknown failures once. */
const errorBoundary = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const err = result.error;
    if (
      err.code === "INTERNAL_SERVER_ERROR" &&
      !(err.cause instanceof AppError && err.cause.code !== "internal")
    ) {
      ctx.deps.log.error(`procedure \`${path}\` failed`, err.cause ?? err);
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(errorBoundary).use(async ({ next }) => {
  let result: Awaited<ReturnType<typeof next>>;
  try {
    result = await next();
  } catch (error) {
    throw toTrpcError(error);
  }
  // tRPC hands a resolver's throw back as a failed result (INTERNAL_SERVER_ERROR wrapping
  // the cause): an AppError gets its own code from the one table.
  if (!result.ok && result.error.cause instanceof AppError) throw toTrpcError(result.error.cause);
  return result;
});

/** A signed-in user (session cookie or personal API token). */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "user") throw toTrpcError(new AppError("unauthorized", "sign in first"));
  return next({ ctx: { ...ctx, user: ctx.principal.user, session: ctx.principal.session } });
});

export const roleRank: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** True when `role` is at least `minimum` in the fixed matrix viewer < member < admin < owner. */
export function hasRole(role: Role, minimum: Role): boolean {
  return roleRank[role] >= roleRank[minimum];
}

export const orgInput = z.object({ orgId: z.string().min(1) });

/**
 * A procedure on one organization's objects: input carries `orgId`; the caller
 * must be a member with at least `minimum`. A non-member gets NOT_FOUND (the org's
 * existence is not revealed); a member with too low a role gets FORBIDDEN.
 */
export function orgProcedure(minimum: Role) {
  return authedProcedure.input(orgInput).use(async ({ ctx, input, next }) => {
    const principal = ctx.principal;
    if (principal.kind !== "user") throw toTrpcError(new AppError("unauthorized", "sign in first"));
    if (principal.apiTokenOrgId !== null && principal.apiTokenOrgId !== input.orgId) {
      throw toTrpcError(new AppError("not_found", "organization not found"));
    }
    const membership = await ctx.deps.repos.memberships.find(input.orgId, principal.user.id);
    if (!membership) throw toTrpcError(new AppError("not_found", "organization not found"));
    if (!hasRole(membership.role, minimum)) {
      throw toTrpcError(
        new AppError("forbidden", `this needs the ${minimum} role or higher; you are ${membership.role}`),
      );
    }
    return next({
      ctx: { ...ctx, user: principal.user, org: { orgId: input.orgId, role: membership.role } },
    });
  });
}

/** A gateway authenticated by its `gwtk_…` token; its org comes from the token. */
export const gatewayProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "gateway") {
    throw toTrpcError(new AppError("unauthorized", "a valid gateway token is required"));
  }
  return next({ ctx: { ...ctx, gateway: ctx.principal.gateway } });
});

export { roles };
