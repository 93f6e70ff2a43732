"use client";

import { useParams } from "next/navigation";
import { PolicyEditor } from "../../../../components/policy-editor.tsx";
import { useSession } from "../../../../components/session.tsx";
import { BackLink, ErrorNote, Loading, PageHeader } from "../../../../components/ui.tsx";
import { api } from "../../../../lib/api.ts";
import { useApi } from "../../../../lib/use-api.ts";

export default function PolicyPage() {
  const { policyId } = useParams<{ policyId: string }>();
  const { orgId } = useSession();
  const policy = useApi(`policies.get/${orgId}/${policyId}`, () =>
    api.policies.get.query({ orgId, policyId }),
  );
  if (policy.data === undefined) {
    return (
      <>
        <BackLink href="/policies">Policies</BackLink>
        {policy.failure === null ? <Loading /> : <ErrorNote failure={policy.failure} />}
      </>
    );
  }
  const p = policy.data.policy;
  return (
    <>
      <BackLink href="/policies">Policies</BackLink>
      <PageHeader
        title={p.name}
        description={`Version ${p.currentVersion} · ${p.enabled ? "enabled" : "disabled"} · priority ${p.priority}`}
      />
      <PolicyEditor
        key={`${p.id}/${p.currentVersion}`}
        mode={{ kind: "edit", policy: p, yaml: policy.data.yaml }}
      />
    </>
  );
}
