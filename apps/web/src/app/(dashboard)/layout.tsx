import type { ReactNode } from "react";
import { DashboardFrame } from "../../components/dashboard-frame.tsx";
import { killSwitchKey, pendingApprovalsKey } from "../../lib/keys.ts";
import { loadMe, serverApi, serverRead } from "../../server/server-api.ts";

export const dynamic = "force-dynamic";

/**
 * Loads the session and the kill-switch state on the server, so the first screen shows who is
 * signed in and whether traffic is stopped without waiting for the browser. Signed out: the
 * browser's session check sends the visitor to /login (with the page to come back to).
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const me = await loadMe();
  const seeds: Record<string, unknown> = {};
  const orgId = me?.activeOrgId ?? null;
  if (me !== null) seeds["auth.me"] = me;
  if (orgId !== null) {
    const api = await serverApi();
    const [killSwitches, pending] = await Promise.all([
      serverRead("killSwitch.list", () => api.killSwitch.list.query({ orgId })),
      serverRead("approvals.list", () => api.approvals.list.query({ orgId, status: "pending" })),
    ]);
    if (killSwitches !== null) seeds[killSwitchKey(orgId)] = killSwitches;
    if (pending !== null) seeds[pendingApprovalsKey(orgId)] = pending;
  }
  return <DashboardFrame seeds={seeds}>{children}</DashboardFrame>;
}
