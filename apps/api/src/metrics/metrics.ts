import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { auditOutcomes, queueNames } from "@tameflare/contracts";
import type { AppDeps } from "../deps.ts";

/** A monotonically increasing count per label value. */
export class LabeledCounter {
  readonly #values = new Map<string, number>();

  inc(label: string, by = 1): void {
    this.#values.set(label, (this.#values.get(label) ?? 0) + by);
  }

  get(label: string): number {
    return this.#values.get(label) ?? 0;
  }

  entries(): [string, number][] {
    return [...this.#values.entries()].sort(([a], [b]) => a.localeCompare(b));
  }
}

/**
 * This process's counters. Counters are per process (Prometheus scrapes each API and worker
 * process); gauges read shared state (queue depth from the queue, pending approvals and
 * ingest lag from the database) so any process reports them for the whole deployment.
 */
export interface ApiMetrics {
  /** Audit events newly stored by this process's worker, by decision. */
  auditEventsStored: LabeledCounter;
  /** Re-delivered audit events the database already had. */
  auditEventsDuplicate: LabeledCounter;
  /** Events and batches this process's API acknowledged to gateways. */
  auditEventsAccepted: LabeledCounter;
  auditBatchesAccepted: LabeledCounter;
  /** Multi-job database inserts by the ingest worker, and the jobs they carried. */
  auditInserts: LabeledCounter;
  approvalsCreated: LabeledCounter;
  /** Approvals settled, by outcome (approved, denied, expired, …) and channel. */
  approvalsSettled: LabeledCounter;
  /** Slack notifications by result: sent, skipped, failed. */
  slackNotifications: LabeledCounter;
  startedAt: number;
}

export function createApiMetrics(now = Date.now()): ApiMetrics {
  return {
    auditEventsStored: new LabeledCounter(),
    auditEventsDuplicate: new LabeledCounter(),
    auditEventsAccepted: new LabeledCounter(),
    auditBatchesAccepted: new LabeledCounter(),
    auditInserts: new LabeledCounter(),
    approvalsCreated: new LabeledCounter(),
    approvalsSettled: new LabeledCounter(),
    slackNotifications: new LabeledCounter(),
    startedAt: now,
  };
}

type Sample = { labels?: Record<string, string>; value: number };

function family(name: string, type: "counter" | "gauge", help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const labels = s.labels
      ? `{${Object.entries(s.labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(",")}}`
      : "";
    lines.push(`${name}${labels} ${Number.isFinite(s.value) ? s.value : "NaN"}`);
  }
  return lines.join("\n");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/**
 * The Prometheus text exposition (format 0.0.4): this process's counters plus shared gauges.
 * A gauge whose source is unreachable (Redis or Postgres down) is left out, and
 * `tameflare_metrics_source_up` says which source failed.
 */
export async function renderMetrics(deps: AppDeps): Promise<string> {
  const m = deps.metrics ?? createApiMetrics();
  const out: string[] = [];
  const sourceUp: Sample[] = [];

  const decisions = new Set<string>(auditOutcomes);
  for (const [d] of m.auditEventsStored.entries()) decisions.add(d);
  out.push(
    family(
      "tameflare_audit_events_ingested_total",
      "counter",
      "Audited gateway requests stored by this process, by decision.",
      [...decisions]
        .sort()
        .map((decision) => ({ labels: { decision }, value: m.auditEventsStored.get(decision) })),
    ),
    family("tameflare_audit_events_duplicate_total", "counter", "Re-delivered audit events already stored.", [
      { value: m.auditEventsDuplicate.get("") },
    ]),
    family(
      "tameflare_audit_events_accepted_total",
      "counter",
      "Audit events acknowledged to gateways by this process.",
      [{ value: m.auditEventsAccepted.get("") }],
    ),
    family(
      "tameflare_audit_batches_accepted_total",
      "counter",
      "Audit batches acknowledged to gateways by this process.",
      [{ value: m.auditBatchesAccepted.get("") }],
    ),
    family(
      "tameflare_audit_inserts_total",
      "counter",
      "Database inserts by the audit worker (several jobs each when the queue is deep).",
      [{ value: m.auditInserts.get("inserts") }],
    ),
    family("tameflare_audit_insert_jobs_total", "counter", "Queue jobs carried by those inserts.", [
      { value: m.auditInserts.get("jobs") },
    ]),
    family(
      "tameflare_approvals_created_total",
      "counter",
      "Approvals created by gateways through this process.",
      [{ value: m.approvalsCreated.get("") }],
    ),
    family(
      "tameflare_approvals_settled_total",
      "counter",
      "Approvals settled through this process, by status and channel.",
      m.approvalsSettled.entries().map(([key, value]) => {
        const [status = "", via = ""] = key.split("|");
        return { labels: { status, via }, value };
      }),
    ),
    family(
      "tameflare_slack_notifications_total",
      "counter",
      "Slack approval notifications by result.",
      m.slackNotifications.entries().map(([result, value]) => ({ labels: { result }, value })),
    ),
  );

  const depths: Sample[] = [];
  try {
    for (const queue of Object.values(queueNames))
      depths.push({ labels: { queue }, value: await deps.queue.depth(queue) });
    sourceUp.push({ labels: { source: "queue" }, value: 1 });
  } catch (cause) {
    deps.log.warn(
      `metrics: queue depth unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    sourceUp.push({ labels: { source: "queue" }, value: 0 });
  }
  if (depths.length > 0) {
    out.push(family("tameflare_queue_depth", "gauge", "Jobs waiting or delayed, per queue.", depths));
  }

  try {
    const [pending, lag] = await Promise.all([
      deps.repos.approvals.countPending(),
      deps.repos.audit.ingestLag(),
    ]);
    out.push(
      family("tameflare_approvals_pending", "gauge", "Approvals waiting for a decision, all organizations.", [
        { value: pending },
      ]),
    );
    if (lag !== null) {
      out.push(
        family(
          "tameflare_audit_ingest_lag_seconds",
          "gauge",
          "Seconds from event time to storage over the newest 1,000 stored events.",
          [
            { labels: { quantile: "0.5" }, value: lag.p50 },
            { labels: { quantile: "0.95" }, value: lag.p95 },
            { labels: { quantile: "1" }, value: lag.max },
          ],
        ),
      );
    }
    sourceUp.push({ labels: { source: "database" }, value: 1 });
  } catch (cause) {
    deps.log.warn(
      `metrics: database gauges unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    sourceUp.push({ labels: { source: "database" }, value: 0 });
  }

  out.push(
    family(
      "tameflare_metrics_source_up",
      "gauge",
      "Whether the source of the shared gauges answered.",
      sourceUp,
    ),
    family("tameflare_process_start_time_seconds", "gauge", "Start time of this process (Unix seconds).", [
      { value: Math.floor(m.startedAt / 1000) },
    ]),
  );
  return `${out.join("\n")}\n`;
}

/** `GET /metrics`: the Prometheus text; with METRICS_TOKEN set it requires `Authorization: Bearer <token>`. */
export function createMetricsHandler(deps: AppDeps) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    const token = deps.env.METRICS_TOKEN;
    if (token !== undefined) {
      const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "");
      const expected = Buffer.from(token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { "www-authenticate": "Bearer" }).end();
        return true;
      }
    }
    const body = await renderMetrics(deps);
    res.writeHead(200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
