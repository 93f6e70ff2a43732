import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AuditEvent } from "@tameflare/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditSpool, followAuditEvents, readAuditEvents, verifyAuditChain } from "../../src/audit/spool.ts";
import { decideApproval, listApprovals } from "../../src/local/approvals-store.ts";
import {
  activateKillSwitch,
  deactivateKillSwitch,
  KillSwitchFile,
  killSwitchesPath,
  readKillSwitches,
} from "../../src/local/kill-switch-store.ts";
import { LocalApprovalBroker } from "../../src/local/local-approval-broker.ts";
import type { AuditEntry } from "../../src/ports/audit-sink.ts";
import { ensureCa } from "../../src/tls/ca.ts";
import { tempDir } from "./helpers.ts";

const action = {
  type: "stripe.refund.create",
  connector: "stripe",
  resource: "refunds",
  parameters: { amount: 10 },
  risk: "high" as const,
  read: false,
};

function entry(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    ts: new Date().toISOString(),
    agent: "bot",
    connector: "github",
    action_type: "github.repo.get",
    decision: "allow",
    enforced: "allow",
    mode: "full",
    reason: null,
    rule: null,
    risk: "low",
    risk_score: 10,
    status: 200,
    latency_ms: 1,
    method: "GET",
    host: "api.github.com",
    path: "/repos/a/b",
    request_id: "req_12345678",
    approval_id: null,
    error_code: null,
    bytes_in: 0,
    bytes_out: 10,
    ...over,
  };
}

describe("TF_HOME stores shared by gateways and the CLI", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir("stores");
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it("the CA is created once, even when several processes race on first use; its key is 0600", async () => {
    const home = join(dir.path, "ca-race");
    const results = await Promise.all([ensureCa(home), ensureCa(home), ensureCa(home)]);
    expect(new Set(results.map((r) => r.certPem)).size).toBe(1);
    expect((await stat(results[0]?.keyPath as string)).mode & 0o777).toBe(0o600);
    expect((await ensureCa(home)).certPem).toBe(results[0]?.certPem);
  });

  it("when two people decide the same approval at once, exactly one decision wins", async () => {
    const home = join(dir.path, "approvals");
    const broker = new LocalApprovalBroker(home, () => undefined);
    const held = await broker.create({
      requestId: "req_abcdefgh",
      agent: "bot",
      gatewayId: "local",
      actions: [action],
      rule: "stripe/refunds",
      reason: "refunds need a human",
      timeoutSeconds: 60,
      approverRoles: ["owner"],
    });
    const [a, b] = await Promise.all([
      decideApproval(home, held.id, { decision: "approved", by: "alice" }),
      decideApproval(home, held.id, { decision: "denied", by: "bob" }),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(loser.ok ? undefined : loser.code).toBe("already_decided");
    const outcome = await held.outcome;
    expect(outcome.status).toBe(a.ok ? "approved" : "denied");
    expect((await decideApproval(home, "apv_doesnotexist1", { decision: "approved", by: "x" })).ok).toBe(
      false,
    );
    const [listed] = await listApprovals(home);
    expect(listed?.status).toBe(outcome.status);
    expect(JSON.stringify(listed)).not.toContain("secret");
    await broker.close();
  });

  it("kill switches: activate adds, resume removes by scope and target, and reports how many", async () => {
    const home = join(dir.path, "ks");
    await activateKillSwitch(home, { scope: "connector", target: "github" });
    await activateKillSwitch(home, { scope: "connector", target: "stripe" });
    await activateKillSwitch(home, { scope: "global", reason: "stop" });
    const all = await readKillSwitches(home);
    expect(all).toHaveLength(3);
    expect(all.every((k) => k.id?.startsWith("ks_") && k.activated_at !== undefined)).toBe(true);
    expect(await deactivateKillSwitch(home, "connector", "github")).toBe(1);
    expect(await deactivateKillSwitch(home, "connector")).toBe(1);
    expect(await deactivateKillSwitch(home)).toBe(1);
    expect(await readKillSwitches(home)).toEqual([]);
  });

  it("a malformed kill-switch file stops everything (fail closed) and says why once", async () => {
    const home = join(dir.path, "ks-bad");
    await activateKillSwitch(home, { scope: "connector", target: "github" });
    const messages: string[] = [];
    const file = new KillSwitchFile(home, (m) => messages.push(m));
    expect(file.current()).toHaveLength(1);
    await writeFile(killSwitchesPath(home), "{ not json");
    expect(file.current()[0]?.scope).toBe("global");
    expect(file.current()[0]?.scope).toBe("global");
    expect(messages).toHaveLength(1);
  });

  it("the spool is a verifiable hash chain; readers filter and merge files by time", async () => {
    const home = join(dir.path, "spool");
    const one = await AuditSpool.open({ tfHome: home, runId: "run-a", gatewayId: "local:run-a" });
    const two = await AuditSpool.open({ tfHome: home, runId: "run-b", gatewayId: "local:run-b" });
    const t = Date.now();
    await Promise.all([
      one.append(entry({ ts: new Date(t).toISOString(), request_id: "req_first000" })),
      two.append(
        entry({
          ts: new Date(t + 1).toISOString(),
          agent: "other",
          decision: "deny",
          action_type: "github.repo.delete",
          request_id: "req_second00",
        }),
      ),
      one.append(entry({ ts: new Date(t + 2).toISOString(), request_id: "req_third000" })),
    ]);
    await Promise.all([one.close(), two.close()]);
    const all: AuditEvent[] = [];
    for await (const e of readAuditEvents(home)) all.push(e);
    expect(all.map((e) => e.request_id)).toEqual(["req_first000", "req_second00", "req_third000"]);
    expect(verifyAuditChain(all.filter((e) => e.gateway_id === "local:run-a"))).toBeUndefined();
    const tampered = all
      .filter((e) => e.gateway_id === "local:run-a")
      .map((e, i) => (i === 0 ? { ...e, status: 500 } : e));
    expect(verifyAuditChain(tampered)).toBe(0);
    const denies: AuditEvent[] = [];
    for await (const e of readAuditEvents(home, {
      decision: "deny",
      action: "github.repo.*",
      agent: "other",
    }))
      denies.push(e);
    expect(denies.map((e) => e.request_id)).toEqual(["req_second00"]);
    const later: AuditEvent[] = [];
    for await (const e of readAuditEvents(home, { since: t + 2 })) later.push(e);
    expect(later.map((e) => e.request_id)).toEqual(["req_third000"]);
  });

  it("follow yields what is there, then each new event as a gateway appends it, until aborted", async () => {
    const home = join(dir.path, "follow");
    const spool = await AuditSpool.open({ tfHome: home, runId: "run-f", gatewayId: "local:run-f" });
    await spool.append(entry({ request_id: "req_before00" }));
    const abort = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const e of followAuditEvents(home, undefined, abort.signal)) {
        seen.push(e.request_id);
        if (seen.length === 1) await spool.append(entry({ request_id: "req_after000" }));
        if (seen.length === 2) abort.abort();
      }
    })();
    await following;
    await spool.close();
    expect(seen).toEqual(["req_before00", "req_after000"]);
  });
});
