import type { EncryptedValue, SecretMeta } from "@tameflare/contracts";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import { emitConfigChanged } from "../../hooks.ts";
import type { OrgActor } from "../shared/actor.ts";
import { open, orgValueAad, seal, secretAad, VaultDecryptError } from "./vault-crypto.ts";
import { keyringFromEnv, type VaultKeyring } from "./vault-keys.ts";

/** Longest secret accepted, in characters. */
export const maxSecretLength = 16 * 1024;

/**
 * What the dashboard may show of a secret: its last four characters, and only for secrets
 * of 12 characters or more (for a short secret four characters would give too much away).
 */
export function last4Of(value: string): string {
  return value.length >= 12 ? value.slice(-4) : "";
}

/** A connector's secret in plaintext, for the bundle compiler to seal to the gateway's key. */
export interface BundleSecret {
  connectorId: string;
  connectorName: string;
  secret: string;
}

/**
 * The vault: connector credentials sealed with AES-256-GCM under the master key
 * (TF_VAULT_KEY, id TF_VAULT_KEY_ID), each bound by its AAD to its organization, gateway
 * and connector. Nothing here returns a secret to a client; `decryptForBundle` and
 * `openOrgValue` are for the API's own use (bundle compilation, Slack delivery).
 */
export function createVaultService(deps: AppDeps) {
  function keyring(): VaultKeyring {
    const ring = keyringFromEnv(deps.env);
    if (ring === null) {
      throw new AppError("unavailable", "the vault has no master key: set TF_VAULT_KEY", {
        userMessage: "the vault is not configured on this server",
      });
    }
    return ring;
  }

  async function requireConnectorOf(orgId: string, gatewayId: string, connectorId: string) {
    const connector = await deps.repos.connectors.findById(orgId, connectorId);
    if (connector === null || connector.gatewayId !== gatewayId) {
      throw new AppError("not_found", `connector \`${connectorId}\` not found on gateway \`${gatewayId}\``);
    }
    const gateway = await deps.repos.gateways.findById(orgId, gatewayId);
    if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
    return { connector, gateway };
  }

  return {
    /** Seals and stores a connector's credential (replacing any previous one); returns metadata only. */
    async setSecret(
      actor: OrgActor,
      input: { gatewayId: string; connectorId: string; value: string },
    ): Promise<SecretMeta> {
      const { gateway } = await requireConnectorOf(actor.orgId, input.gatewayId, input.connectorId);
      if (gateway.revokedAt !== null)
        throw new AppError("precondition_failed", `gateway \`${gateway.id}\` is revoked`);
      const sealed = seal(
        keyring().current,
        input.value,
        secretAad({ orgId: actor.orgId, gatewayId: input.gatewayId, connectorId: input.connectorId }),
        deps.randomBytes,
      );
      const stored = await deps.repos.secrets.put({
        orgId: actor.orgId,
        gatewayId: input.gatewayId,
        connectorId: input.connectorId,
        sealed,
        last4: last4Of(input.value),
        createdByUserId: actor.userId,
      });
      if (!stored.ok) throw new AppError("not_found", stored.message);
      await emitConfigChanged(deps, { orgId: actor.orgId, gatewayId: input.gatewayId, kind: "secret" });
      return stored.value;
    },

    async list(actor: OrgActor, gatewayId: string): Promise<SecretMeta[]> {
      const gateway = await deps.repos.gateways.findById(actor.orgId, gatewayId);
      if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
      return deps.repos.secrets.listMeta(actor.orgId, gatewayId);
    },

    async deleteSecret(actor: OrgActor, input: { gatewayId: string; connectorId: string }): Promise<void> {
      await requireConnectorOf(actor.orgId, input.gatewayId, input.connectorId);
      if (!(await deps.repos.secrets.remove(actor.orgId, input.gatewayId, input.connectorId))) {
        throw new AppError("not_found", `connector \`${input.connectorId}\` has no secret`);
      }
      await emitConfigChanged(deps, { orgId: actor.orgId, gatewayId: input.gatewayId, kind: "secret" });
    },

    /**
     * Every secret of a gateway in plaintext, for the bundle compiler to re-seal to the
     * gateway's own key at once. Internal: never exposed through a procedure.
     */
    async decryptForBundle(orgId: string, gatewayId: string): Promise<BundleSecret[]> {
      const ring = keyring();
      const [sealed, connectors] = await Promise.all([
        deps.repos.secrets.listCiphertexts(orgId, gatewayId),
        deps.repos.connectors.listForGateway(orgId, gatewayId),
      ]);
      const names = new Map(connectors.map((c) => [c.id, c.name]));
      return sealed.map((s) => {
        const connectorName = names.get(s.connectorId) ?? s.connectorId;
        try {
          const secret = open(ring, s, secretAad({ orgId, gatewayId, connectorId: s.connectorId }));
          return { connectorId: s.connectorId, connectorName, secret };
        } catch (cause) {
          if (cause instanceof VaultDecryptError) {
            throw new AppError(
              "internal",
              `vault: the secret of connector \`${connectorName}\` cannot be opened: ${cause.message}`,
              {
                cause,
              },
            );
          }
          throw cause;
        }
      });
    },

    /** Seals an organization-level setting (Slack tokens, webhook URLs) under the vault key. */
    sealOrgValue(orgId: string, purpose: string, plaintext: string): EncryptedValue {
      return seal(keyring().current, plaintext, orgValueAad(orgId, purpose), deps.randomBytes);
    },

    /** Opens what `sealOrgValue` sealed for the same organization and purpose. */
    openOrgValue(orgId: string, purpose: string, sealed: EncryptedValue): string {
      try {
        return open(keyring(), sealed, orgValueAad(orgId, purpose));
      } catch (cause) {
        if (cause instanceof VaultDecryptError) {
          throw new AppError("internal", `vault: \`${purpose}\` cannot be opened: ${cause.message}`, {
            cause,
          });
        }
        throw cause;
      }
    },
  };
}

export type VaultService = ReturnType<typeof createVaultService>;
