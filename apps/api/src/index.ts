// The API package's public surface for other workspaces (the dashboard). It must stay safe to
// load in a browser: the router's type only, zod input schemas from `*.types.ts` files that
// import nothing but zod and contracts, the rule for marking a page of the audit log reviewed
// (`page-review.ts`, no imports), and the visitor-address signature (Web Crypto, no imports)
// the dashboard's server signs with. Never export services, repositories or env here.

export {
  clientAddressHeader,
  clientSignatureHeader,
  dashboardSecretMinLength,
  isAddressText,
  signClientAddress,
  verifyClientAddress,
} from "./http/client-address.ts";
export { listAuditInput, markReviewedInput } from "./routers/audit/audit-input.types.ts";
export {
  type PageReviewPlan,
  type PageReviewReason,
  pageReviewInput,
  planPageReview,
  type ShownEvent,
} from "./routers/audit/page-review.ts";
export {
  createGatewayInput,
  gatewayNameSchema,
  updateGatewayInput,
} from "./routers/gateways/gateway-input.types.ts";
export type { AppRouter } from "./routers/index.ts";
export { saveSlackSettingsInput } from "./routers/slack/slack-input.types.ts";
