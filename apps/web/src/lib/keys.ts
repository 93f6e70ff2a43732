/** Query keys shared by the server (seeds) and the browser (queries): they must match exactly. */
export const killSwitchKey = (orgId: string) => `killSwitch.list/${orgId}`;
export const pendingApprovalsKey = (orgId: string) => `approvals.list/${orgId}/pending`;
