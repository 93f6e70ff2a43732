import { createHash, randomBytes } from "node:crypto";
import {
  type AuditEvent,
  type AuditEventBody,
  auditGenesisHash,
  auditHashInput,
  auditOutcomes,
} from "@tameflare/contracts";

const agents = ["coder", "billing-bot", "support"] as const;
const actions = [
  ["github", "github.pr.merge"],
  ["github", "github.pr.create"],
  ["stripe", "stripe.refund.create"],
  ["openai", "openai.chat.create"],
] as const;

/**
 * A valid hash chain of `count` audit events for `chainId` (`gw_…` or `gw_…:<run id>`), as a
 * gateway's spool makes them: seq from `startSeq`, linked from `prevHash`, `ts` from `startMs`
 * one millisecond apart (default now). Fields cycle through agents, connectors and decisions so
 * filters have something to find.
 */
export function makeAuditChain(
  chainId: string,
  count: number,
  options: {
    startSeq?: number;
    prevHash?: string;
    startMs?: number;
    stepMs?: number;
    /** The `ts` of the i-th event (default `startMs + i * stepMs`). */
    tsOf?: (i: number) => string;
  } = {},
): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = options.prevHash ?? auditGenesisHash;
  const startSeq = options.startSeq ?? 0;
  const startMs = options.startMs ?? Date.now();
  const stepMs = options.stepMs ?? 1;
  const tag = randomBytes(6).toString("hex");
  for (let i = 0; i < count; i++) {
    const seq = startSeq + i;
    const [connector, actionType] = actions[seq % actions.length] ?? actions[0];
    const decision = auditOutcomes[seq % auditOutcomes.length] ?? "allow";
    const body: AuditEventBody = {
      id: `evt_${tag}${seq.toString(36).padStart(8, "0")}`,
      gateway_id: chainId,
      seq,
      ts: options.tsOf?.(i) ?? new Date(startMs + i * stepMs).toISOString(),
      agent: agents[seq % agents.length] ?? "coder",
      connector,
      action_type: actionType,
      decision,
      enforced:
        decision === "allow" || decision === "deny" || decision === "require_approval" ? decision : null,
      mode: "full",
      reason: decision === "deny" ? "main is protected" : null,
      rule: decision === "deny" ? "protect-main" : null,
      risk: seq % 2 === 0 ? "high" : "low",
      risk_score: seq % 2 === 0 ? 90 : 10,
      status: decision === "allow" ? 200 : 403,
      latency_ms: 2 + (seq % 5),
      method: "POST",
      host: "api.github.com",
      path: `/repos/acme/app/pulls/${seq}/merge`,
      request_id: `req_${tag}${seq}`,
      approval_id: null,
      error_code: decision === "error" ? "upstream_timeout" : null,
      bytes_in: 100 + (seq % 50),
      bytes_out: 2000,
      prev_hash: prev,
    };
    const hash = createHash("sha256").update(auditHashInput(body)).digest("hex");
    events.push({ ...body, hash });
    prev = hash;
  }
  return events;
}
