import { z } from "zod";

export const roles = ["owner", "admin", "member", "viewer"] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const enforcementLevels = ["monitor", "soft", "full"] as const;
export const enforcementLevelSchema = z.enum(enforcementLevels);
export type EnforcementLevel = z.infer<typeof enforcementLevelSchema>;

export const decisions = ["allow", "deny", "require_approval"] as const;
export const decisionKindSchema = z.enum(decisions);
export type DecisionKind = z.infer<typeof decisionKindSchema>;

export const approvalStatuses = ["pending", "approved", "denied", "expired", "cancelled"] as const;
export const approvalStatusSchema = z.enum(approvalStatuses);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

export const killSwitchScopes = ["global", "connector", "gateway"] as const;
export const killSwitchScopeSchema = z.enum(killSwitchScopes);
export type KillSwitchScope = z.infer<typeof killSwitchScopeSchema>;

export const connectorTypes = [
  "github",
  "openai",
  "anthropic",
  "stripe",
  "slack",
  "mcp",
  "graphql",
  "webhook",
  "generic",
  "custom",
] as const;
export const connectorTypeSchema = z.enum(connectorTypes);
export type ConnectorType = z.infer<typeof connectorTypeSchema>;
