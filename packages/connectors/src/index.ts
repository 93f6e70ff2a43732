export * from "./injection.ts";
export * from "./registry.ts";
export * from "./types.ts";
export * from "./util/actions.ts";
export * from "./util/body.ts";
export * from "./util/path.ts";
export * from "./util/risk.ts";
export * from "./util/route-action.ts";
export * from "./util/routes.ts";
export { anthropicConnector } from "./vendors/anthropic/index.ts";
export { checkCustomConfig, compileCustomConnector, customConnector } from "./vendors/custom/index.ts";
export { genericConnector, httpMethodAction } from "./vendors/generic/index.ts";
export {
  githubConnector,
  githubGitInjection,
  githubRoutes,
  githubServes,
  gitRequestOf,
  parseReceivePack,
} from "./vendors/github/index.ts";
export {
  defaultGraphqlEndpoints,
  type GraphqlOperation,
  type GraphqlParse,
  graphqlConnector,
  parseGraphqlOperation,
  parseGraphqlRequest,
} from "./vendors/graphql/index.ts";
export { defaultMcpEndpoints, mcpConnector } from "./vendors/mcp/index.ts";
export { openaiConnector } from "./vendors/openai/index.ts";
export { slackConnector } from "./vendors/slack/index.ts";
export { stripeConnector } from "./vendors/stripe/index.ts";
export { webhookConnector } from "./vendors/webhook/index.ts";
