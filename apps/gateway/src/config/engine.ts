/**
 * The gateway's view of the two pure packages: every call into the policy engine and the
 * connector registry goes through these names.
 */
export {
  type BoundConnector,
  type ConnectorRegistry,
  createConnectorRegistry,
  injectCredential,
  type RequestHead,
} from "@tameflare/connectors";
export {
  activeKillSwitch,
  type CompiledPolicy,
  compilePolicy,
  evaluate,
  explainDecision,
  parsePolicyYaml,
  type RateLimitState as RateState,
  validatePolicyDocument,
} from "@tameflare/policy-engine";
