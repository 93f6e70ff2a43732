export { anthropicConnector } from "./anthropic-connector.ts";
