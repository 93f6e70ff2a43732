import {
  type ConnectorConfig,
  type ConnectorRecord,
  type CredentialSource,
  connectorConfigSchema,
} from "@tameflare/contracts";
import type { ConnectorInput } from "@tameflare/db";
import { z } from "zod";

/**
 * How a connector of the policy document is stored. The record keeps `type`, `name`,
 * `domains` (empty: the type's default domains) and `upstream` in columns, and everything
 * else in `settings`: `base_path`, `endpoints`, `routes`, `action_prefix`, the connector's own
 * `settings`, and `credential` without any secret (an `env`/`file` source on the gateway host,
 * and/or `header`/`format` overrides). The secret itself lives in the vault.
 */
export const storedCredentialSchema = z.strictObject({
  env: z.string().min(1).optional(),
  file: z.string().min(1).optional(),
  header: z.string().min(1).optional(),
  format: z.string().includes("{secret}").optional(),
});
export type StoredCredential = z.infer<typeof storedCredentialSchema>;

export const storedConnectorSettingsSchema = z.strictObject({
  base_path: connectorConfigSchema.shape.base_path,
  endpoints: connectorConfigSchema.shape.endpoints,
  routes: connectorConfigSchema.shape.routes,
  action_prefix: connectorConfigSchema.shape.action_prefix,
  settings: connectorConfigSchema.shape.settings,
  credential: storedCredentialSchema.optional(),
});
export type StoredConnectorSettings = z.infer<typeof storedConnectorSettingsSchema>;

/**
 * A connector as an admin writes it: the document's connector, except that a credential
 * never carries a secret (`value`/`encrypted` are refused: use the vault) and may consist
 * of only `header`/`format` overrides for a vault-held secret.
 */
export const connectorWriteSchema = connectorConfigSchema.omit({ credential: true }).extend({
  credential: storedCredentialSchema
    .refine((c) => !(c.env !== undefined && c.file !== undefined), {
      message: "a credential takes `env` or `file`, not both",
    })
    .optional(),
});
export type ConnectorWrite = z.infer<typeof connectorWriteSchema>;

/** Splits a written connector into the repository's columns and settings. */
export function connectorInputOf(config: ConnectorWrite): Required<Omit<ConnectorInput, "settings">> & {
  settings: StoredConnectorSettings;
} {
  const { type, name, domains, upstream, credential, ...rest } = config;
  const settings: StoredConnectorSettings = { ...rest };
  if (credential !== undefined && Object.keys(credential).length > 0) settings.credential = credential;
  return { type, name: name ?? type, domains: domains ?? [], upstream: upstream ?? null, settings };
}

/** What to put in a connector's `credential` when turning a record back into a document. */
export type CredentialChoice =
  /** The stored `env`/`file` source only (validation, sandbox). */
  | { kind: "stored" }
  /**
   * Export without secrets: a vault-held secret becomes `env: TF_SECRET_<NAME>`, so the
   * exported document runs locally with that variable set.
   */
  | { kind: "placeholder"; hasVaultSecret: boolean }
  /** A bundle: the secret sealed to the gateway's key (JWE), with the stored overrides. */
  | { kind: "encrypted"; jwe: string };

/** The environment variable an exported document names for a vault-held secret. */
export function placeholderEnvName(connectorName: string): string {
  return `TF_SECRET_${connectorName.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** Parses a record's stored settings (a row that no longer parses is a loud data error). */
export function storedSettingsOf(record: ConnectorRecord): StoredConnectorSettings {
  const parsed = storedConnectorSettingsSchema.safeParse(record.settings);
  if (!parsed.success) {
    throw new Error(
      `connector \`${record.id}\`: stored settings do not match their schema: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** Turns a stored connector back into the policy document's connector. */
export function connectorConfigOf(
  record: ConnectorRecord,
  choice: CredentialChoice = { kind: "stored" },
): ConnectorConfig {
  const { credential: stored, ...rest } = storedSettingsOf(record);
  const config: ConnectorConfig = {
    type: record.type as ConnectorConfig["type"],
    name: record.name,
    ...stripUndefined(rest),
  };
  if (record.domains.length > 0) config.domains = record.domains;
  if (record.upstream !== null) config.upstream = record.upstream;
  const overrides: Pick<CredentialSource, "header" | "format"> = {};
  if (stored?.header !== undefined) overrides.header = stored.header;
  if (stored?.format !== undefined) overrides.format = stored.format;
  const source =
    stored?.env !== undefined
      ? { env: stored.env }
      : stored?.file !== undefined
        ? { file: stored.file }
        : undefined;
  if (choice.kind === "encrypted") {
    config.credential = { encrypted: choice.jwe, ...overrides };
  } else if (choice.kind === "placeholder" && choice.hasVaultSecret) {
    config.credential = { env: placeholderEnvName(record.name), ...overrides };
  } else if (source !== undefined) {
    config.credential = { ...source, ...overrides };
  }
  return config;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
