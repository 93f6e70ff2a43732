export { openaiConnector } from "./openai-connector.ts";
