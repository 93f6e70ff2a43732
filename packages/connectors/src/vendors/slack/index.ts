export { slackConnector } from "./slack-connector.ts";
