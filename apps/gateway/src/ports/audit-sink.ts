import type { AuditEvent } from "@tameflare/contracts";

/** What the proxy records; the sink adds identity, order and the hash chain. */
export type AuditEntry = Omit<AuditEvent, "id" | "gateway_id" | "seq" | "prev_hash" | "hash">;

/**
 * Port: the durable record of every request. `append` resolves once the event would
 * survive the gateway process being killed (the proxy awaits it before answering).
 * Local mode: the spool under TF_HOME; connected mode adds shipping to the API.
 */
export interface AuditSink {
  append(entry: AuditEntry): Promise<AuditEvent>;
  close(): Promise<void>;
}
