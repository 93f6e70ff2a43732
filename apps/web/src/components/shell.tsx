"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { api } from "../lib/api.ts";
import { pendingApprovalsKey } from "../lib/keys.ts";
import { useApi } from "../lib/use-api.ts";
import { KillSwitchBanner, KillSwitchPill } from "./kill-switch-state.tsx";
import { useSession } from "./session.tsx";

const nav = [
  { href: "/overview", label: "Overview" },
  { href: "/gateways", label: "Gateways" },
  { href: "/policies", label: "Policies" },
  { href: "/approvals", label: "Approvals" },
  { href: "/audit", label: "Audit" },
  { href: "/vault", label: "Vault" },
  { href: "/settings", label: "Settings" },
] as const;

/** Pending approvals of the organization, live (the inbox badge and the inbox itself). */
export function usePendingApprovals() {
  const { orgId } = useSession();
  return useApi(pendingApprovalsKey(orgId), () => api.approvals.list.query({ orgId, status: "pending" }), {
    intervalMs: 2000,
  });
}

export function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const session = useSession();
  const pending = usePendingApprovals();
  const pendingCount = pending.data?.length ?? 0;
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/overview" className="brand" aria-label="TameFlare overview">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          TameFlare
        </Link>
        <div className="org-switch">
          <label className="visually-hidden" htmlFor="org-switch">
            Organization
          </label>
          <select
            id="org-switch"
            value={session.orgId}
            onChange={(e) => void session.switchOrg(e.target.value)}
            data-testid="org-switch"
          >
            {session.me.memberships.map((m) => (
              <option key={m.organization.id} value={m.organization.id}>
                {m.organization.name}
              </option>
            ))}
          </select>
        </div>
        <KillSwitchPill />
        <div className="topbar-spacer" />
        <div className="user-menu">
          <span className="email" data-testid="signed-in-as">
            {session.me.user.email} · {session.role}
          </span>
          <button type="button" className="btn small" onClick={() => void session.logOut()}>
            Log out
          </button>
        </div>
      </header>
      <KillSwitchBanner />
      <div className="layout">
        <nav className="sidenav" aria-label="Main">
          <ul>
            {nav.map((item) => {
              const current = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link href={item.href} aria-current={current ? "page" : undefined}>
                    {item.label}
                    {item.href === "/approvals" && pendingCount > 0 ? (
                      <span className="nav-count">
                        {pendingCount}
                        <span className="visually-hidden"> pending</span>
                      </span>
                    ) : null}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <main className="main" id="main">
          {children}
        </main>
      </div>
    </div>
  );
}
