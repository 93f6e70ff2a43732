import { z } from "zod";
import {
  connectorTypeSchema,
  decisionKindSchema,
  enforcementLevelSchema,
  killSwitchScopeSchema,
  roleSchema,
} from "./enums.ts";

/**
 * The policy document (`tameflare.yaml`): the same content a signed bundle carries.
 * These schemas check shape only; the policy engine adds semantic checks
 * (regex safety, glob syntax, duplicate names) with document paths in its errors.
 */

export const conditionOperators = [
  "equals",
  "not_equals",
  "in",
  "not_in",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "matches",
  "gt",
  "gte",
  "lt",
  "lte",
  "exists",
] as const;
export const conditionOperatorSchema = z.enum(conditionOperators);
export type ConditionOperator = z.infer<typeof conditionOperatorSchema>;

export type Condition =
  | { field: string; op: ConditionOperator; value?: unknown }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ field: z.string().min(1), op: conditionOperatorSchema, value: z.unknown().optional() }),
    z.strictObject({ all: z.array(conditionSchema) }),
    z.strictObject({ any: z.array(conditionSchema) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

/** Where a connector's real secret comes from. Exactly one source. */
export const credentialSourceSchema = z
  .strictObject({
    env: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    /** Literal value: for tests and examples only. */
    value: z.string().min(1).optional(),
    /** A compact JWE encrypted to the gateway's key (bundles from the API). */
    encrypted: z.string().min(1).optional(),
    /** Override the connector's default header (e.g. `authorization`). */
    header: z.string().min(1).optional(),
    /** Override the format, with `{secret}` (e.g. `Bearer {secret}`). */
    format: z.string().includes("{secret}").optional(),
  })
  .refine((c) => [c.env, c.file, c.value, c.encrypted].filter((v) => v !== undefined).length === 1, {
    message: "a credential needs exactly one of `env`, `file`, `value` or `encrypted`",
  });
export type CredentialSource = z.infer<typeof credentialSourceSchema>;

/** One route of a custom connector: method + path template → action. */
export const customRouteSchema = z.strictObject({
  method: z.string().min(1),
  /** Path template with `{name}` segments and an optional trailing `*`. */
  path: z.string().startsWith("/"),
  action: z.string().min(1),
  /** Body (JSON or form) fields copied into parameters; dotted paths allowed. */
  body_fields: z.array(z.string()).optional(),
  /** Query parameters copied into parameters. */
  query_fields: z.array(z.string()).optional(),
  risk: z.enum(["low", "medium", "high"]).optional(),
  read: z.boolean().optional(),
});
export type CustomRoute = z.infer<typeof customRouteSchema>;

export const connectorConfigSchema = z.strictObject({
  type: connectorTypeSchema,
  /** Unique name; defaults to the type. Access rules and kill switches refer to it. */
  name: z.string().min(1).max(64).optional(),
  /** Hosts this connector owns; built-in connectors have defaults. */
  domains: z.array(z.string().min(1)).optional(),
  credential: credentialSourceSchema.optional(),
  /** Where to send instead of the real host (GHE, test double): `https://host:port`. */
  upstream: z.string().url().optional(),
  /** Path prefix of the API on its host (GitHub Enterprise: `/api/v3`). */
  base_path: z.string().startsWith("/").optional(),
  /** MCP / GraphQL endpoint paths on the domains (default `/mcp`, `/graphql`). */
  endpoints: z.array(z.string().startsWith("/")).optional(),
  /** Custom connectors: the route table. */
  routes: z.array(customRouteSchema).optional(),
  /** Custom connectors: the action prefix (default: the name). */
  action_prefix: z.string().min(1).optional(),
  /** Extra connector-specific settings. */
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;

export const accessPresets = ["allow_all", "read_only", "require_approval", "custom"] as const;
export const accessPresetSchema = z.enum(accessPresets);
export type AccessPreset = z.infer<typeof accessPresetSchema>;

/** Either a preset for a connector, or an action pattern (with `*`) and a decision. */
export const accessRuleSchema = z
  .strictObject({
    id: z.string().optional(),
    connector: z.string().min(1),
    preset: accessPresetSchema.optional(),
    action: z.string().min(1).optional(),
    decision: decisionKindSchema.optional(),
  })
  .refine(
    (r) =>
      (r.preset !== undefined && r.preset !== "custom") ||
      (r.action !== undefined && r.decision !== undefined),
    {
      message: "an access rule needs a `preset`, or an `action` pattern with a `decision`",
    },
  );
export type AccessRule = z.infer<typeof accessRuleSchema>;

export const approvalSettingsSchema = z.strictObject({
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  approver_roles: z.array(roleSchema).optional(),
});
export type ApprovalSettings = z.infer<typeof approvalSettingsSchema>;

export const policyRuleSchema = z.strictObject({
  name: z.string().min(1),
  when: conditionSchema.optional(),
  decision: decisionKindSchema,
  reason: z.string().optional(),
  risk_score: z.number().min(0).max(100).optional(),
  approval: approvalSettingsSchema.optional(),
});
export type PolicyRule = z.infer<typeof policyRuleSchema>;

export const policyScopeSchema = z.strictObject({
  actions: z.array(z.string().min(1)).optional(),
  agents: z.array(z.string().min(1)).optional(),
  gateways: z.array(z.string().min(1)).optional(),
  connectors: z.array(z.string().min(1)).optional(),
});
export type PolicyScope = z.infer<typeof policyScopeSchema>;

export const policySchema = z.strictObject({
  id: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  priority: z.number().int().default(0),
  scope: policyScopeSchema.default({}),
  rules: z.array(policyRuleSchema).min(1),
});
export type Policy = z.infer<typeof policySchema>;

export const rateLimitSchema = z.strictObject({
  name: z.string().optional(),
  action: z.string().min(1),
  per_agent: z.boolean().default(false),
  max: z.number().int().min(1),
  window_seconds: z.number().int().min(1),
});
export type RateLimit = z.infer<typeof rateLimitSchema>;

export const killSwitchSchema = z.strictObject({
  id: z.string().optional(),
  scope: killSwitchScopeSchema,
  /** Connector name (scope connector) or gateway id/name (scope gateway). */
  target: z.string().optional(),
  reason: z.string().optional(),
  activated_by: z.string().optional(),
  activated_at: z.string().optional(),
});
export type KillSwitch = z.infer<typeof killSwitchSchema>;

export const policyDocumentSchema = z.strictObject({
  version: z.literal(1),
  gateway: z
    .strictObject({
      name: z.string().min(1).default("local"),
      enforcement: enforcementLevelSchema.default("full"),
    })
    .default({ name: "local", enforcement: "full" }),
  connectors: z.array(connectorConfigSchema).default([]),
  exclude_domains: z.array(z.string().min(1)).default([]),
  upstream_ca: z.string().optional(),
  upstream_proxy: z.string().url().optional(),
  access_rules: z.array(accessRuleSchema).default([]),
  policies: z.array(policySchema).default([]),
  rate_limits: z.array(rateLimitSchema).default([]),
  kill_switches: z.array(killSwitchSchema).default([]),
  limits: z
    .strictObject({
      /** Bytes of request body buffered for connectors that read bodies. */
      body_prefix_bytes: z
        .number()
        .int()
        .min(1024)
        .max(16 * 1024 * 1024)
        .default(1024 * 1024),
      /** What happens when a body the connector needs exceeds the prefix. */
      on_truncated_body: z.enum(["deny", "evaluate"]).default("deny"),
      upstream_timeout_ms: z.number().int().min(100).default(60_000),
    })
    .default({ body_prefix_bytes: 1024 * 1024, on_truncated_body: "deny", upstream_timeout_ms: 60_000 }),
  approvals: z
    .strictObject({ timeout_seconds: z.number().int().min(1).default(300) })
    .default({ timeout_seconds: 300 }),
});
/** The document as written (defaults optional). */
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;
/** The document after parsing (defaults filled in). */
export type PolicyDocument = z.output<typeof policyDocumentSchema>;
