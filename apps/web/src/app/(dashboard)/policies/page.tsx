"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { useSession } from "../../../components/session.tsx";
import { EmptyState, ErrorNote, Loading, PageHeader, RelativeTime } from "../../../components/ui.tsx";
import { api, type Outputs } from "../../../lib/api.ts";
import { useApi, useMutation } from "../../../lib/use-api.ts";

type PolicyRow = Outputs["policies"]["list"][number];

function PriorityInput({ policy, editable }: { policy: PolicyRow; editable: boolean }) {
  const { orgId } = useSession();
  const [value, setValue] = useState(String(policy.priority));
  const save = useMutation(
    (priority: number) => api.policies.setPriority.mutate({ orgId, policyId: policy.id, priority }),
    { invalidates: ["policies."] },
  );
  if (!editable) return <span>{policy.priority}</span>;
  const commit = () => {
    const n = Number(value);
    if (Number.isInteger(n) && n !== policy.priority) void save.run(n);
    else setValue(String(policy.priority));
  };
  return (
    <>
      <input
        type="number"
        aria-label={`Priority of ${policy.name}`}
        value={value}
        style={{ width: 90 }}
        onChange={(e) => setValue(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
        }}
        disabled={save.pending}
      />
      {save.failure === null ? null : <div className="field-error">{save.failure.message}</div>}
    </>
  );
}

function EnabledToggle({ policy, editable }: { policy: PolicyRow; editable: boolean }) {
  const { orgId } = useSession();
  const toggle = useMutation(
    (enabled: boolean) => api.policies.setEnabled.mutate({ orgId, policyId: policy.id, enabled }),
    { invalidates: ["policies."] },
  );
  return (
    <>
      <label className="switch">
        <input
          type="checkbox"
          checked={policy.enabled}
          disabled={!editable || toggle.pending}
          onChange={(e) => void toggle.run(e.target.checked)}
        />
        <span className="visually-hidden">Enable {policy.name}</span>
        {policy.enabled ? "on" : "off"}
      </label>
      {toggle.failure === null ? null : <div className="field-error">{toggle.failure.message}</div>}
    </>
  );
}

export default function PoliciesPage() {
  const { orgId, can } = useSession();
  const router = useRouter();
  const gatewayId = useSearchParams().get("gateway") ?? "";
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const policies = useApi(`policies.list/${orgId}/${gatewayId}`, () =>
    api.policies.list.query({ orgId, ...(gatewayId === "" ? {} : { gatewayId }) }),
  );
  const nameOf = (id: string | null) =>
    id === null ? "every gateway" : (gateways.data?.find((g) => g.id === id)?.name ?? id);
  const admin = can("admin");
  const newHref = `/policies/new${gatewayId === "" ? "" : `?gateway=${gatewayId}`}`;
  return (
    <>
      <PageHeader
        title="Policies"
        description="Condition policies run after access rules: deny wins, then higher priority first. Each change is a new version."
        actions={
          admin ? (
            <Link className="btn primary" href={newHref}>
              New policy
            </Link>
          ) : undefined
        }
      />
      <div className="toolbar">
        <div className="field" style={{ marginBottom: 0 }}>
          <label htmlFor="policy-gateway">Applies to</label>
          <select
            id="policy-gateway"
            value={gatewayId}
            onChange={(e) =>
              router.replace(e.target.value === "" ? "/policies" : `/policies?gateway=${e.target.value}`)
            }
          >
            <option value="">All policies</option>
            {(gateways.data ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNote failure={policies.failure} />
      {policies.data === undefined ? (
        <Loading />
      ) : policies.data.length === 0 ? (
        <EmptyState
          title="No policies yet"
          action={
            admin ? (
              <Link className="btn primary" href={newHref}>
                Write the first policy
              </Link>
            ) : undefined
          }
        >
          Access rules say which actions a connector allows. Policies add conditions on the action's
          parameters: “deny a merge into main”, “hold refunds over $500 for a human”. The editor checks your
          policy as you type and lets you try it on real traffic before saving.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Policy</th>
                <th>Applies to</th>
                <th>Enabled</th>
                <th>Priority</th>
                <th className="num">Version</th>
                <th className="hide-phone">Changed</th>
              </tr>
            </thead>
            <tbody>
              {policies.data.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link href={`/policies/${p.id}`}>{p.name}</Link>
                    {p.description === null ? null : <div className="sub">{p.description}</div>}
                  </td>
                  <td>{nameOf(p.gatewayId)}</td>
                  <td>
                    <EnabledToggle policy={p} editable={admin} />
                  </td>
                  <td>
                    <PriorityInput key={`${p.id}/${p.priority}`} policy={p} editable={admin} />
                  </td>
                  <td className="num">v{p.currentVersion}</td>
                  <td className="hide-phone">
                    <RelativeTime iso={p.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
