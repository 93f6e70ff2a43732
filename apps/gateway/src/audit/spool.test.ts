import {
  type AuditEventBody,
  auditEventSchema,
  auditGenesisHash,
  auditHashInput,
} from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../ports/audit-sink.ts";
import { canonicalHashInput, hashAuditEvent, sealEventLine, verifyAuditChain } from "./spool.ts";

const sealEvent = (...args: Parameters<typeof sealEventLine>) => sealEventLine(...args).event;

const base: AuditEntry = {
  ts: "2026-11-25T10:00:00.000Z",
  agent: "billing-bot",
  connector: "github",
  action_type: "github.pr.merge",
  decision: "deny",
  enforced: "deny",
  mode: "full",
  reason: 'rule "no merges" \\ said no\n\u2028\u{1F600} <script>',
  rule: "pol_1/r1",
  risk: "high",
  risk_score: 87.5,
  status: 403,
  latency_ms: 1.25,
  method: "PUT",
  host: "api.github.com",
  path: "/repos/a/b/pulls/1/merge",
  request_id: "req_abc12345",
  approval_id: null,
  error_code: "denied",
  bytes_in: 0,
  bytes_out: null,
};

describe("audit event sealing", () => {
  it("the fast canonical text is byte for byte the contract's auditHashInput, and the line JSON.stringify(event)", () => {
    const variants: AuditEntry[] = [
      base,
      { ...base, connector: null, action_type: null, enforced: null, mode: null, reason: null },
      { ...base, risk_score: 0, status: null, latency_ms: 0.01, bytes_in: 1_000_000_000, bytes_out: 7 },
      { ...base, agent: "\u0000\u001f\"'", path: "/%E2%82%AC?x" },
    ];
    for (const entry of variants) {
      const { event, line } = sealEventLine(entry, "evt_ABCDEFGH12", "local:run", 42, auditGenesisHash);
      expect(line).toBe(JSON.stringify(event));
      const { hash, ...body } = event;
      expect(canonicalHashInput(event)).toBe(auditHashInput(body as AuditEventBody));
      expect(hash).toBe(hashAuditEvent(body as AuditEventBody));
      expect(auditEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    }
  });

  it("a key the contract does not know is neither stored nor hashed", () => {
    const sneaky = { ...base, authorization: "Bearer real-secret" } as AuditEntry;
    const event = sealEvent(sneaky, "evt_ABCDEFGH12", "local:run", 0, auditGenesisHash);
    expect(JSON.stringify(event)).not.toContain("real-secret");
    expect(Object.keys(event).sort()).toEqual(Object.keys(auditEventSchema.shape).sort());
  });

  it("sealed events chain: each prev_hash is the previous hash and verifyAuditChain accepts them", () => {
    let prev = auditGenesisHash;
    const events = [0, 1, 2].map((seq) => {
      const e = sealEvent({ ...base, status: 200 + seq }, `evt_ABCDEFGH1${seq}`, "local:run", seq, prev);
      prev = e.hash;
      return e;
    });
    expect(verifyAuditChain(events)).toBeUndefined();
    const tampered = events.map((e, i) => (i === 1 ? { ...e, status: 500 } : e));
    expect(verifyAuditChain(tampered)).toBe(1);
  });
});
