"use client";

import { useSearchParams } from "next/navigation";
import { PolicyEditor } from "../../../../components/policy-editor.tsx";
import { BackLink, PageHeader } from "../../../../components/ui.tsx";
import { newPolicyTemplate } from "../../../../lib/policy-check.ts";

export default function NewPolicyPage() {
  const gatewayId = useSearchParams().get("gateway");
  return (
    <>
      <BackLink href="/policies">Policies</BackLink>
      <PageHeader
        title="New policy"
        description="Start from the example, try it in the sandbox against your gateway, then create it."
      />
      <PolicyEditor
        mode={{ kind: "new", gatewayId: gatewayId === "" ? null : gatewayId, yaml: newPolicyTemplate }}
      />
    </>
  );
}
