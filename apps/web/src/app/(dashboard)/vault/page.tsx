"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { useSession } from "../../../components/session.tsx";
import {
  ConfirmButton,
  EmptyState,
  ErrorNote,
  Loading,
  Note,
  PageHeader,
  RelativeTime,
} from "../../../components/ui.tsx";
import { api } from "../../../lib/api.ts";
import { useApi, useMutation } from "../../../lib/use-api.ts";

function SecretRow({
  gatewayId,
  connector,
  secret,
  editable,
}: {
  gatewayId: string;
  connector: { id: string; name: string; type: string };
  secret: { last4: string; keyId: string; updatedAt: string } | undefined;
  editable: boolean;
}) {
  const { orgId } = useSession();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const save = useMutation(
    () => api.vault.setSecret.mutate({ orgId, gatewayId, connectorId: connector.id, value }),
    {
      invalidates: ["vault.", "bundles."],
      onSuccess: (meta) => {
        setEditing(false);
        setValue("");
        setNotice(
          `Stored (ends in ${meta.last4}). Connected gateways receive it, sealed to their key, within seconds.`,
        );
      },
    },
  );
  const remove = useMutation(
    () => api.vault.deleteSecret.mutate({ orgId, gatewayId, connectorId: connector.id }),
    {
      invalidates: ["vault.", "bundles."],
      onSuccess: () => setNotice("Deleted: calls through this connector no longer get a credential."),
    },
  );
  const inputId = `secret-${connector.id}`;
  return (
    <tr>
      <td>
        <code>{connector.name}</code>
        <div className="sub">{connector.type}</div>
      </td>
      <td>
        {secret === undefined ? (
          <span className="faint">no secret</span>
        ) : (
          <>
            <span className="mono" data-testid={`secret-last4-${connector.name}`}>
              ••••••••{secret.last4}
            </span>
            <div className="sub">
              key {secret.keyId} · updated <RelativeTime iso={secret.updatedAt} />
            </div>
          </>
        )}
        {notice === null ? null : (
          <div className="sub" role="status">
            {notice}
          </div>
        )}
        <ErrorNote failure={save.failure ?? remove.failure} />
      </td>
      <td>
        {!editable ? (
          <span className="faint">view only</span>
        ) : editing ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void save.run(undefined);
            }}
          >
            <div className="field">
              <label htmlFor={inputId}>{secret === undefined ? "Secret" : "New secret"}</label>
              <input
                id={inputId}
                type="password"
                autoComplete="off"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                required
              />
            </div>
            <button type="submit" className="btn small primary" disabled={save.pending || value === ""}>
              Save
            </button>
            <button type="button" className="btn small" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="inline-form">
            <button type="button" className="btn small" onClick={() => setEditing(true)}>
              {secret === undefined ? "Set" : "Rotate"}
            </button>
            {secret === undefined ? null : (
              <ConfirmButton confirmLabel="Delete secret" onConfirm={() => void remove.run(undefined)}>
                Delete
              </ConfirmButton>
            )}
          </span>
        )}
      </td>
    </tr>
  );
}

export default function VaultPage() {
  const { orgId, can } = useSession();
  const router = useRouter();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const chosen = useSearchParams().get("gateway") ?? "";
  const gatewayId = chosen !== "" ? chosen : (gateways.data?.[0]?.id ?? "");
  const detail = useApi(gatewayId === "" ? null : `gateways.get/${orgId}/${gatewayId}`, () =>
    api.gateways.get.query({ orgId, gatewayId }),
  );
  const secrets = useApi(gatewayId === "" ? null : `vault.list/${orgId}/${gatewayId}`, () =>
    api.vault.list.query({ orgId, gatewayId }),
  );
  return (
    <>
      <PageHeader
        title="Vault"
        description="The real credentials your gateways inject on allowed calls. Write-only: after saving, only the last four characters are shown, to anyone."
      />
      {gateways.data !== undefined && gateways.data.length === 0 ? (
        <EmptyState
          title="No gateways, no secrets"
          action={
            <Link className="btn primary" href="/gateways/new">
              Create a gateway
            </Link>
          }
        >
          Secrets belong to a gateway's connectors. Create a gateway and its connectors first.
        </EmptyState>
      ) : (
        <>
          <div className="toolbar">
            <div className="field" style={{ marginBottom: 0 }}>
              <label htmlFor="vault-gateway">Gateway</label>
              <select
                id="vault-gateway"
                value={gatewayId}
                onChange={(e) => router.replace(`/vault?gateway=${e.target.value}`)}
              >
                {(gateways.data ?? []).map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <Note kind="info">
            Secrets are encrypted at rest (AES-256-GCM) and reach a gateway only inside its signed bundle,
            encrypted to that gateway's own key. Agents hold a dummy value and never see them.
          </Note>
          <ErrorNote failure={gateways.failure ?? detail.failure ?? secrets.failure} />
          {detail.data === undefined || secrets.data === undefined ? (
            gatewayId === "" ? null : (
              <Loading />
            )
          ) : detail.data.connectors.length === 0 ? (
            <EmptyState
              title="This gateway has no connectors"
              action={<Link href={`/gateways/${gatewayId}`}>Add a connector</Link>}
            >
              Add the APIs your agents call on the gateway's page; each connector holds one secret.
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Connector</th>
                    <th>Secret</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.connectors.map((c) => (
                    <SecretRow
                      key={c.id}
                      gatewayId={gatewayId}
                      connector={c}
                      secret={secrets.data?.find((s) => s.connectorId === c.id)}
                      editable={can("admin") && detail.data?.gateway.revokedAt === null}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
