import { router } from "../trpc/init.ts";
import { accessRulesRouter } from "./access-rules/access-rules-router.ts";
import { apiTokensRouter } from "./api-tokens/api-tokens-router.ts";
import { approvalsRouter } from "./approvals/approvals-router.ts";
import { auditRouter } from "./audit/audit-router.ts";
import { authRouter } from "./auth/auth-router.ts";
import { bundlesRouter } from "./bundles/bundles-router.ts";
import { configRouter } from "./config/config-router.ts";
import { connectorsRouter } from "./connectors/connectors-router.ts";
import { gatewayAgentRouter } from "./gateway-agent/gateway-agent-router.ts";
import { gatewaysRouter } from "./gateways/gateways-router.ts";
import { ping } from "./health/ping.ts";
import { invitesRouter } from "./invites/invites-router.ts";
import { killSwitchRouter } from "./kill-switch/kill-switch-router.ts";
import { membersRouter } from "./members/members-router.ts";
import { orgsRouter } from "./orgs/orgs-router.ts";
import { policiesRouter } from "./policies/policies-router.ts";
import { rateLimitsRouter } from "./rate-limits/rate-limits-router.ts";
import { slackRouter } from "./slack/slack-router.ts";
import { vaultRouter } from "./vault/vault-router.ts";

/**
 * The API's root router. Procedures live one per file under
 * `routers/<domain>/<verb>-<noun>.ts`; each domain adds its router here.
 */
export const appRouter = router({
  health: router({ ping }),
  auth: authRouter,
  orgs: orgsRouter,
  invites: invitesRouter,
  members: membersRouter,
  apiTokens: apiTokensRouter,
  gateways: gatewaysRouter,
  connectors: connectorsRouter,
  accessRules: accessRulesRouter,
  rateLimits: rateLimitsRouter,
  vault: vaultRouter,
  policies: policiesRouter,
  config: configRouter,
  killSwitch: killSwitchRouter,
  audit: auditRouter,
  approvals: approvalsRouter,
  slack: slackRouter,
  bundles: bundlesRouter,
  gatewayAgent: gatewayAgentRouter,
});

export type AppRouter = typeof appRouter;
