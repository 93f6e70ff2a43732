export { stripeConnector } from "./stripe-connector.ts";
