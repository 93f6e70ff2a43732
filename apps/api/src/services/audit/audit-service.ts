import { createHash } from "node:crypto";
import {
  type AuditBatch,
  type AuditChainReport,
  type AuditEventRecord,
  type AuditQuery,
  auditIngestJob,
  auditOutcomes,
  type Gateway,
  queueNames,
  type ReviewedAuditPage,
  type ReviewMark,
  unstorableTextField,
} from "@tameflare/contracts";
import { type AuditCountFilters, type AuditStoredRange, isChainOf } from "@tameflare/db";
import type { AppDeps } from "../../deps.ts";
import { AppError } from "../../errors/app-error.ts";
import type { OrgActor } from "../shared/actor.ts";

/** Most events one ingest call may carry (contracts `auditBatchSchema` enforces it too). */
export const maxBatchEvents = 5000;

/** The queue job id of a batch: the same events re-sent by a retrying gateway are queued once. */
export function batchJobId(gatewayId: string, eventIds: readonly string[]): string {
  const digest = createHash("sha256");
  digest.update(gatewayId);
  for (const id of eventIds) digest.update(`\n${id}`);
  return `audit:${digest.digest("hex").slice(0, 40)}`;
}

type AuditOutcome = (typeof auditOutcomes)[number];
type GroupCounts = { total: number; denied: number; held: number; allowed: number };

/** What `audit.stats` answers. */
export interface AuditStatsView {
  /** The window: `from <= ts < to`, whole minutes. */
  from: string;
  to: string;
  windowMinutes: number;
  total: number;
  byDecision: Record<AuditOutcome, number>;
  /** Minutes with events only, oldest first (`minute` is the minute's start). */
  perMinute: { minute: string; counts: Partial<Record<AuditOutcome, number>> }[];
  topActions: ({ actionType: string } & GroupCounts)[];
  topAgents: ({ agent: string } & GroupCounts)[];
  /** Every gateway with events in the window. */
  gateways: ({ gatewayId: string } & GroupCounts)[];
}

export interface ChainVerification {
  chainId: string;
  report: AuditChainReport;
}

/**
 * The audit pipeline's API side: ingest (validate, enqueue, acknowledge only once the queue
 * accepted the batch), durability checks for gateways, org-scoped queries, chain
 * verification and review marks. Storage is the ingest worker's (workers/audit-ingest-worker.ts).
 */
export function createAuditService(deps: AppDeps) {
  async function requireGateway(orgId: string, gatewayId: string): Promise<Gateway> {
    const gateway = await deps.repos.gateways.findById(orgId, gatewayId);
    if (gateway === null) throw new AppError("not_found", `gateway \`${gatewayId}\` not found`);
    return gateway;
  }

  const service = {
    /**
     * Accepts a gateway's batch: every event must be this gateway's (`gateway_id` is its id or
     * `<its id>:<run id>`). Resolves only after the queue stored the job; a queue failure is a
     * retryable 503 and the gateway re-sends (storage ignores events it already has).
     */
    async ingest(gateway: Gateway, batch: AuditBatch): Promise<{ accepted: number }> {
      if (batch.gateway_id !== gateway.id) {
        throw new AppError(
          "forbidden",
          `audit batch: gateway_id \`${batch.gateway_id}\` is not the calling gateway (\`${gateway.id}\`)`,
        );
      }
      for (let i = 0; i < batch.events.length; i++) {
        const event = batch.events[i];
        if (event === undefined) continue;
        if (!isChainOf(gateway.id, event.gateway_id)) {
          throw new AppError(
            "bad_request",
            `audit batch: events[${i}] (\`${event.id}\`): gateway_id \`${event.gateway_id}\` is neither \`${gateway.id}\` nor \`${gateway.id}:<run id>\``,
          );
        }
        // Refused here, not acknowledged: the database could never store it, and its job would
        // fail after the gateway had let go of it.
        const unstorable = unstorableTextField(event);
        if (unstorable !== undefined) {
          throw new AppError(
            "bad_request",
            `audit batch: events[${i}] (\`${event.id}\`): \`${unstorable}\` holds a NUL character or an unpaired surrogate, which cannot be stored`,
          );
        }
      }
      try {
        await deps.queue.add(
          queueNames.auditIngest,
          auditIngestJob(gateway.orgId, gateway.id, batch.events),
          {
            jobId: batchJobId(
              gateway.id,
              batch.events.map((e) => e.id),
            ),
          },
        );
      } catch (cause) {
        const message = "audit batch: the ingest queue is unavailable, retry later";
        throw new AppError("unavailable", message, { cause, retryable: true, userMessage: message });
      }
      deps.metrics?.auditBatchesAccepted.inc("");
      deps.metrics?.auditEventsAccepted.inc("", batch.events.length);
      return { accepted: batch.events.length };
    },

    /**
     * How many events of each shipped seq range are stored: a gateway keeps events in its spool
     * until their range is fully stored, and re-ships a range that is not (the queue was lost).
     */
    async ingestStatus(
      gateway: Gateway,
      ranges: { chainId: string; fromSeq: number; toSeq: number }[],
    ): Promise<AuditStoredRange[]> {
      return deps.repos.audit.countStored({ orgId: gateway.orgId, gatewayId: gateway.id }, ranges);
    },

    /** A page of events, each with its review state (`reviewed`, and the newest covering mark's reviewer and time). */
    async list(actor: OrgActor, query: Omit<AuditQuery, "orgId">): Promise<ReviewedAuditPage> {
      if (query.gatewayId !== undefined) await requireGateway(actor.orgId, query.gatewayId);
      const page = await deps.repos.audit.queryWithReview({ ...query, orgId: actor.orgId });
      if (!page.ok) throw new AppError("bad_request", page.message);
      return page.value;
    },

    /** Pages of a query one after another, for streaming exports (never the whole result in memory). */
    async *pages(
      orgId: string,
      query: Omit<AuditQuery, "orgId" | "cursor">,
    ): AsyncGenerator<AuditEventRecord[]> {
      let cursor: string | undefined;
      for (;;) {
        const page = await deps.repos.audit.query({
          ...query,
          orgId,
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (!page.ok) throw new AppError("bad_request", page.message);
        if (page.value.events.length > 0) yield page.value.events;
        if (page.value.nextCursor === null) return;
        cursor = page.value.nextCursor;
      }
    },

    async get(actor: OrgActor, eventId: string): Promise<{ event: AuditEventRecord; reviews: ReviewMark[] }> {
      const event = await deps.repos.audit.findByEventId(actor.orgId, eventId);
      if (event === null) throw new AppError("not_found", `audit event \`${eventId}\` not found`);
      const gatewayId = event.gateway_id.split(":")[0] ?? event.gateway_id;
      const reviews = await deps.repos.reviewMarks.forEvent(actor.orgId, gatewayId, {
        eventId,
        chainId: event.gateway_id,
        seq: event.seq,
      });
      return { event, reviews };
    },

    /** Verifies one chain, or every chain of the gateway (one per gateway process run). */
    async verifyChain(
      actor: OrgActor,
      gatewayId: string,
      chainId?: string,
    ): Promise<{ ok: boolean; chains: ChainVerification[] }> {
      await requireGateway(actor.orgId, gatewayId);
      if (chainId !== undefined && !isChainOf(gatewayId, chainId)) {
        throw new AppError("bad_request", `chain \`${chainId}\` is not a chain of gateway \`${gatewayId}\``);
      }
      const chainIds =
        chainId !== undefined
          ? [chainId]
          : (await deps.repos.audit.listChains(actor.orgId, gatewayId)).map((c) => c.chainId);
      const chains: ChainVerification[] = [];
      for (const id of chainIds)
        chains.push({ chainId: id, report: await deps.repos.audit.verifyChain(actor.orgId, id) });
      return { ok: chains.every((c) => c.report.ok), chains };
    },

    async chains(actor: OrgActor, gatewayId: string) {
      await requireGateway(actor.orgId, gatewayId);
      return deps.repos.audit.listChains(actor.orgId, gatewayId);
    },

    /**
     * Marks events reviewed, in one of three forms: one event (`eventId`), exactly the events
     * named (`eventIds`, one mark each), or a seq range of one chain of the gateway
     * (`chainId`, `fromSeq`, `toSeq`). A range never covers another chain (another process
     * run) of the gateway, whose seq numbers restart at 0.
     */
    async markReviewed(
      actor: OrgActor,
      input: {
        gatewayId: string;
        eventId?: string | undefined;
        eventIds?: string[] | undefined;
        chainId?: string | undefined;
        fromSeq?: number | undefined;
        toSeq?: number | undefined;
        comment?: string | undefined;
      },
    ): Promise<{ marks: ReviewMark[] }> {
      await requireGateway(actor.orgId, input.gatewayId);
      const comment = input.comment ?? null;
      const ranged = input.chainId !== undefined || input.fromSeq !== undefined || input.toSeq !== undefined;
      const forms = [input.eventId !== undefined, input.eventIds !== undefined, ranged].filter(
        Boolean,
      ).length;
      if (forms !== 1) {
        throw new AppError(
          "bad_request",
          forms === 0
            ? "mark one event (`eventId`), several (`eventIds`) or a seq range of one chain (`chainId`, `fromSeq`, `toSeq`)"
            : "mark one event (`eventId`), several (`eventIds`) or a seq range (`chainId`, `fromSeq`, `toSeq`): one of them, not several",
        );
      }
      const scope = { orgId: actor.orgId, gatewayId: input.gatewayId, reviewerUserId: actor.userId, comment };
      if (input.eventId !== undefined) {
        const marked = await deps.repos.reviewMarks.markEvent({ ...scope, eventId: input.eventId });
        if (!marked.ok) throw new AppError("not_found", marked.message);
        return { marks: [marked.value] };
      }
      if (input.eventIds !== undefined) {
        const marked = await deps.repos.reviewMarks.markEvents({ ...scope, eventIds: input.eventIds });
        if (!marked.ok)
          throw new AppError(marked.code === "invalid" ? "bad_request" : "not_found", marked.message);
        return { marks: marked.value };
      }
      if (input.chainId === undefined) {
        throw new AppError(
          "bad_request",
          "a seq range needs its chain (`chainId`, as the events' `gateway_id`): seq numbers restart at 0 in each gateway run",
        );
      }
      if (input.fromSeq === undefined || input.toSeq === undefined) {
        throw new AppError("bad_request", "a seq range needs both `fromSeq` and `toSeq`");
      }
      const marked = await deps.repos.reviewMarks.markRange({
        ...scope,
        chainId: input.chainId,
        fromSeq: input.fromSeq,
        toSeq: input.toSeq,
      });
      if (!marked.ok)
        throw new AppError(marked.code === "invalid" ? "bad_request" : "not_found", marked.message);
      return { marks: [marked.value] };
    },

    async reviews(actor: OrgActor, gatewayId: string, limit?: number): Promise<ReviewMark[]> {
      await requireGateway(actor.orgId, gatewayId);
      return deps.repos.reviewMarks.list(actor.orgId, gatewayId, limit === undefined ? {} : { limit });
    },

    /** Events the filters select (paging aside) that no review mark covers. */
    async unreviewedCount(actor: OrgActor, filters: AuditCountFilters = {}): Promise<{ count: number }> {
      if (filters.gatewayId !== undefined) await requireGateway(actor.orgId, filters.gatewayId);
      return { count: await deps.repos.audit.countUnreviewed(actor.orgId, filters) };
    },

    /**
     * Aggregates of the last `windowMinutes` whole minutes (the current one included, so the
     * window ends at the next minute boundary), computed in the database.
     */
    async stats(
      actor: OrgActor,
      input: { gatewayId?: string | undefined; windowMinutes: number; top: number },
    ): Promise<AuditStatsView> {
      if (input.gatewayId !== undefined) await requireGateway(actor.orgId, input.gatewayId);
      const to = new Date(Math.floor(deps.clock().getTime() / 60_000) * 60_000 + 60_000);
      const from = new Date(to.getTime() - input.windowMinutes * 60_000);
      const stats = await deps.repos.audit.stats(actor.orgId, {
        gatewayId: input.gatewayId,
        from,
        to,
        top: input.top,
      });
      const byDecision = Object.fromEntries(auditOutcomes.map((d) => [d, 0])) as Record<AuditOutcome, number>;
      for (const minute of stats.perMinute) {
        for (const d of auditOutcomes) byDecision[d] += minute.counts[d] ?? 0;
      }
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        windowMinutes: input.windowMinutes,
        total: auditOutcomes.reduce((sum, d) => sum + byDecision[d], 0),
        byDecision,
        perMinute: stats.perMinute.map((m) => ({
          minute: new Date(m.minuteMs).toISOString(),
          counts: m.counts,
        })),
        topActions: stats.topActions.map(({ key, ...counts }) => ({ actionType: key, ...counts })),
        topAgents: stats.topAgents.map(({ key, ...counts }) => ({ agent: key, ...counts })),
        gateways: stats.gateways.map(({ key, ...counts }) => ({ gatewayId: key, ...counts })),
      };
    },
  };
  return service;
}

export type AuditService = ReturnType<typeof createAuditService>;
