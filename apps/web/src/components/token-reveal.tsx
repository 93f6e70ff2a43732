"use client";

import { useEffect, useState } from "react";
import { CopyButton, Note } from "./ui.tsx";

/** The exact command that registers a machine's gateway with this control plane. */
export function tfInitCommand(gatewayId: string, token: string, apiUrl: string): string {
  return `tf init --gateway-id ${gatewayId} --gateway-token ${token} --api-url ${apiUrl}`;
}

/**
 * A gateway id and its token, shown this once (the API keeps only a hash), with the `tf init`
 * line to run and a copy button. The API URL is this dashboard's origin: it forwards `/trpc`.
 */
export function TokenReveal({ gatewayId, token }: { gatewayId: string; token: string }) {
  const [origin, setOrigin] = useState("");
  useEffect(() => setOrigin(window.location.origin), []);
  const command = tfInitCommand(gatewayId, token, origin);
  return (
    <div className="stack">
      <Note kind="warn">
        <strong>Copy the token now.</strong> It is shown this once: TameFlare keeps only a hash. If it is
        lost, rotate it on the gateway's page.
      </Note>
      <dl className="kv">
        <dt>Gateway id</dt>
        <dd>
          <code data-testid="gateway-id">{gatewayId}</code>
        </dd>
        <dt>Gateway token</dt>
        <dd>
          <code data-testid="gateway-token">{token}</code>
        </dd>
      </dl>
      <div>
        <div className="card-header" style={{ marginBottom: 6 }}>
          <h3>On the machine that runs your agents</h3>
          <CopyButton text={command} label="Copy command" />
        </div>
        <pre className="secret-box" data-testid="tf-init-command">
          {command}
        </pre>
        <p className="hint" style={{ marginTop: 8 }}>
          Then start an agent behind it: <code>tf run --agent my-agent -- python agent.py</code>
        </p>
      </div>
    </div>
  );
}
