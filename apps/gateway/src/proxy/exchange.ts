import {
  type auditOutcomes,
  type DecisionKind,
  type EnforcementLevel,
  type RiskLevel,
  storableText,
} from "@tameflare/contracts";
import { newId } from "../audit/ids.ts";
import type { AuditEntry, AuditSink } from "../ports/audit-sink.ts";

type AuditOutcome = (typeof auditOutcomes)[number];

/** What is known of one request as it goes through the lifecycle: becomes its audit event and log line. */
export class Exchange {
  readonly requestId: string;
  readonly startedAt = Date.now();
  readonly #t0 = performance.now();
  agent = "unknown";
  method: string;
  host: string;
  path: string;
  connector: string | null = null;
  actionType: string | null = null;
  decision: AuditOutcome = "error";
  enforced: DecisionKind | null = null;
  mode: EnforcementLevel | null = null;
  reason: string | null = null;
  rule: string | null = null;
  risk: RiskLevel | null = null;
  riskScore: number | null = null;
  status: number | null = null;
  approvalId: string | null = null;
  errorCode: string | null = null;
  bytesIn: number | null = null;
  bytesOut: number | null = null;
  recorded = false;

  constructor(method: string, host: string, path: string, requestId = newRequestId()) {
    this.requestId = requestId;
    this.method = method;
    this.host = host;
    this.path = path;
  }

  /** Allows a second event for the same request (a tunnel's close after its open). */
  rearm(): void {
    this.recorded = false;
  }

  elapsedMs(): number {
    return Math.round((performance.now() - this.#t0) * 100) / 100;
  }
}

/** `req_` + 22 base62 characters. */
export function newRequestId(): string {
  return newId("request");
}

/**
 * A text field of the audit event: at most `max` characters, and storable (`storableText`: an
 * action name parsed from an agent's body may carry a NUL, which would make the event
 * unstorable and its range of the trail unshippable).
 */
function cut(value: string | null, max: number): string | null {
  if (value === null) return null;
  return storableText(value.length <= max ? value : value.slice(0, max));
}

const done: Promise<void> = Promise.resolve();

let lastMs = Number.NaN;
let lastIso = "";
/** `new Date(ms).toISOString()`, formatted once per millisecond (many requests share one under load). */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** Turns exchanges into audit events (awaited: durable before the agent's answer completes) and log lines. */
export class Recorder {
  readonly #sink: AuditSink;
  readonly #log: (line: string) => void;
  readonly #logRequests: boolean;

  constructor(sink: AuditSink, log: (line: string) => void, logRequests = true) {
    this.#sink = sink;
    this.#log = log;
    this.#logRequests = logRequests;
  }

  /**
   * Records once; later calls for the same exchange resolve immediately. A sink failure is
   * logged here and rethrown: callers then close the agent's connection instead of
   * completing an answer that has no audit event.
   */
  record(x: Exchange, options?: { log?: boolean }): Promise<void> {
    if (x.recorded) return done;
    x.recorded = true;
    const latency = x.elapsedMs();
    const entry: AuditEntry = {
      ts: isoTime(x.startedAt),
      agent: cut(x.agent, 256) as string,
      connector: cut(x.connector, 128),
      action_type: cut(x.actionType, 512),
      decision: x.decision,
      enforced: x.enforced,
      mode: x.mode,
      reason: cut(x.reason, 2048),
      rule: cut(x.rule, 512),
      risk: x.risk,
      risk_score: x.riskScore,
      status: x.status,
      latency_ms: latency,
      method: cut(x.method, 16) as string,
      host: cut(x.host, 512) as string,
      path: cut(x.path, 4096) as string,
      request_id: x.requestId,
      approval_id: x.approvalId,
      error_code: cut(x.errorCode, 64),
      bytes_in: x.bytesIn,
      bytes_out: x.bytesOut,
    };
    let appended: Promise<unknown>;
    try {
      appended = this.#sink.append(entry);
    } catch (error) {
      appended = Promise.reject(error);
    }
    return appended.then(
      () => {
        if (this.#logRequests && options?.log !== false) this.#logLine(x, latency);
      },
      (error: Error) => {
        this.#log(`audit: cannot record ${x.requestId}: ${error.message}`);
        throw error;
      },
    );
  }

  #logLine(x: Exchange, latency: number): void {
    const parts = [x.requestId, `agent=${x.agent}`, x.method, x.host, x.actionType ?? "-", x.decision];
    if (x.enforced !== null && x.enforced !== x.decision) parts.push(`enforced=${x.enforced}`);
    if (x.approvalId) parts.push(x.approvalId);
    parts.push(String(x.status ?? "-"));
    if (x.errorCode) parts.push(x.errorCode);
    parts.push(`${latency}ms`);
    this.#log(parts.join(" "));
  }
}

/** Rejection handler for `Recorder.record`: the recorder has logged the failure already. */
export function alreadyLogged(): void {}
