import type { Role } from "@tameflare/contracts";

/** Who acts on an organization, as `orgProcedure` established it. */
export interface OrgActor {
  orgId: string;
  userId: string;
  role: Role;
}
