"use client";

import { type KillSwitchScope, killSwitchScopes } from "@tameflare/contracts";
import { useState } from "react";
import { api, type Inputs } from "../lib/api.ts";
import { useApi, useMutation } from "../lib/use-api.ts";
import { describeKillSwitch, useActiveKillSwitches } from "./kill-switch-state.tsx";
import { useSession } from "./session.tsx";
import { DateTime, ErrorNote, Field, Note } from "./ui.tsx";

const scopeHelp: Record<KillSwitchScope, string> = {
  global: "Every request of every gateway in this organization is blocked.",
  connector: "Every request to one connector (by name) is blocked, on every gateway or one.",
  gateway: "Every request through one gateway is blocked.",
};

/**
 * The kill switch: what is active (everyone sees it) and, for owners, activate with a reason
 * or lift. `fixed` pins the scope (a gateway page stops only that gateway).
 */
export function KillSwitchControl({
  fixed,
  gatewayId,
}: {
  fixed?: { scope: KillSwitchScope; target?: string };
  /** Show only the kill switches that affect this gateway. */
  gatewayId?: string;
}) {
  const { orgId, can } = useSession();
  const active = useActiveKillSwitches();
  const gateways = useApi(`gateways.list/${orgId}`, () => api.gateways.list.query({ orgId }));
  const [scope, setScope] = useState<KillSwitchScope>(fixed?.scope ?? "global");
  const [target, setTarget] = useState(fixed?.target ?? "");
  const [onGateway, setOnGateway] = useState("");
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const activate = useMutation(
    (input: Inputs["killSwitch"]["activate"]) => api.killSwitch.activate.mutate(input),
    {
      invalidates: ["killSwitch.", "approvals."],
      onSuccess: () => {
        setReason("");
        setNotice(
          "Activated. Connected gateways block matching requests within seconds; matching pending approvals are denied.",
        );
      },
    },
  );
  const lift = useMutation(
    (killSwitchId: string) => api.killSwitch.deactivate.mutate({ orgId, killSwitchId }),
    {
      invalidates: ["killSwitch."],
      onSuccess: () => setNotice("Lifted. Traffic flows again once gateways receive the change."),
    },
  );
  const nameOf = (id: string) => gateways.data?.find((g) => g.id === id)?.name ?? id;
  const list = (active.data ?? []).filter(
    (ks) =>
      gatewayId === undefined ||
      ks.scope === "global" ||
      ks.target === gatewayId ||
      ks.gatewayId === gatewayId ||
      ks.scope === "connector",
  );
  const owner = can("owner");
  return (
    <div>
      <ErrorNote failure={active.failure ?? activate.failure ?? lift.failure} />
      {notice === null ? null : <Note kind="info">{notice}</Note>}
      {list.length === 0 ? (
        <p className="muted" style={{ marginBottom: 12 }} data-testid="kill-switch-none">
          No kill switch is active{gatewayId === undefined ? "" : " for this gateway"}: traffic follows the
          rules.
        </p>
      ) : (
        <ul className="bar-list" style={{ marginBottom: 12 }}>
          {list.map((ks) => (
            <li key={ks.id}>
              <span>
                <span className="badge deny">active</span> {describeKillSwitch(ks, nameOf)}
                <div className="sub muted">
                  {ks.reason ?? "no reason"} · since <DateTime iso={ks.activatedAt} />
                </div>
              </span>
              {owner ? (
                <button
                  type="button"
                  className="btn small"
                  onClick={() => void lift.run(ks.id)}
                  disabled={lift.pending}
                >
                  Lift
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {owner ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setNotice(null);
            const input: Inputs["killSwitch"]["activate"] = { orgId, scope, reason };
            if (scope !== "global") input.target = target;
            if (scope === "connector" && onGateway !== "") input.gatewayId = onGateway;
            void activate.run(input);
          }}
        >
          {fixed === undefined ? (
            <fieldset>
              <legend>Scope</legend>
              {killSwitchScopes.map((s) => (
                <label key={s} className="choice">
                  <input
                    type="radio"
                    name="ks-scope"
                    value={s}
                    checked={scope === s}
                    onChange={() => setScope(s)}
                  />
                  <span>
                    <strong>{s}</strong>
                    <span>{scopeHelp[s]}</span>
                  </span>
                </label>
              ))}
            </fieldset>
          ) : null}
          {fixed === undefined && scope === "gateway" ? (
            <Field label="Gateway">
              {(p) => (
                <select {...p} value={target} onChange={(e) => setTarget(e.target.value)} required>
                  <option value="">Choose a gateway</option>
                  {(gateways.data ?? []).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          {fixed === undefined && scope === "connector" ? (
            <div className="grid grid-2">
              <Field
                label="Connector name"
                hint="As named on the gateway, e.g. github or stripe."
                error={activate.failure?.fields.target}
              >
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    value={target}
                    onChange={(e) => setTarget(e.target.value)}
                    required
                  />
                )}
              </Field>
              <Field label="On gateway" hint="Optional: every gateway when empty.">
                {(p) => (
                  <select {...p} value={onGateway} onChange={(e) => setOnGateway(e.target.value)}>
                    <option value="">Every gateway</option>
                    {(gateways.data ?? []).map((g) => (
                      <option key={g.id} value={g.id}>
                        {g.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
          ) : null}
          <Field
            label="Reason"
            hint="Recorded with your name; shown to everyone on every page."
            error={activate.failure?.fields.reason}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                required
                placeholder="e.g. agent looping on refunds"
              />
            )}
          </Field>
          <button type="submit" className="btn danger" disabled={activate.pending || reason.trim() === ""}>
            {activate.pending
              ? "Activating…"
              : fixed?.scope === "gateway"
                ? "Stop this gateway now"
                : "Activate kill switch"}
          </button>
        </form>
      ) : (
        <p className="hint">Only an owner can activate or lift a kill switch.</p>
      )}
    </div>
  );
}
