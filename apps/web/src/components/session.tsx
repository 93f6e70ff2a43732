"use client";

import type { Role } from "@tameflare/contracts";
import { usePathname, useRouter } from "next/navigation";
import { createContext, type ReactNode, useContext, useEffect, useMemo } from "react";
import { api, type Outputs } from "../lib/api.ts";
import { hasRole } from "../lib/format.ts";
import { invalidate, onUnauthorized, resetCache, useApi } from "../lib/use-api.ts";
import { CreateOrganization } from "./create-organization.tsx";
import { ErrorNote, Loading } from "./ui.tsx";

export type Me = Outputs["auth"]["me"];

export interface SessionValue {
  me: Me;
  orgId: string;
  orgName: string;
  role: Role;
  /** True when the signed-in member's role is at least `minimum` (the API checks again). */
  can(minimum: Role): boolean;
  switchOrg(orgId: string): Promise<void>;
  logOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession outside SessionProvider");
  return value;
}

/**
 * Loads the signed-in user and their organizations; sends anyone signed out to /login
 * (coming back here afterwards). Everything below renders for one organization.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const me = useApi("auth.me", () => api.auth.me.query());
  const unauthorized = me.failure?.kind === "unauthorized";

  useEffect(() => onUnauthorized(() => void me.reload()), [me.reload]);
  useEffect(() => {
    if (!unauthorized) return;
    const here = `${pathname}${window.location.search}`;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [unauthorized, pathname, router]);

  const value = useMemo<SessionValue | null>(() => {
    const data = me.data;
    if (data === undefined || data.activeOrgId === null) return null;
    const membership = data.memberships.find((m) => m.organization.id === data.activeOrgId);
    if (membership === undefined) return null;
    return {
      me: data,
      orgId: membership.organization.id,
      orgName: membership.organization.name,
      role: membership.role,
      can: (minimum) => hasRole(membership.role, minimum),
      async switchOrg(orgId) {
        await api.orgs.switch.mutate({ orgId });
        resetCache();
        // Server-rendered first screens (the audit log's first page) reload for the new organization.
        router.refresh();
      },
      async logOut() {
        await api.auth.logOut.mutate();
        resetCache();
        router.replace("/login");
      },
    };
  }, [me.data, router]);

  if (unauthorized) return <Loading label="Signing you in…" />;
  if (me.data === undefined) {
    return (
      <div className="auth">
        {me.failure === null ? (
          <Loading />
        ) : (
          <ErrorNote failure={me.failure} prefix="Could not load your account." />
        )}
      </div>
    );
  }
  if (value === null) {
    return (
      <div className="auth">
        <div className="card">
          <h1>No organization yet</h1>
          <p className="lead">
            You are signed in as {me.data.user.email} but belong to no organization. Create one (you will be
            its owner), or ask an admin for an invite link.
          </p>
          <CreateOrganization onCreated={() => invalidate("auth.me")} />
        </div>
      </div>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
