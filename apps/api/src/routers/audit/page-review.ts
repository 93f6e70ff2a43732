// What "mark the events shown reviewed" asks `audit.markReviewed` for. Pure (types only), so
// the dashboard runs it in the browser and the API's tests run the very same rule.

/** An event as a page of `audit.list` shows it: its id, its chain (`gateway_id`) and seq. */
export interface ShownEvent {
  id: string;
  gateway_id: string;
  seq: number;
}

/** Why a page is marked event by event rather than as one seq range. */
export type PageReviewReason = "filtered" | "chains" | "gaps";

export type PageReviewPlan =
  | { kind: "range"; count: number; chainId: string; fromSeq: number; toSeq: number }
  | { kind: "events"; count: number; eventIds: string[]; reason: PageReviewReason };

/**
 * The marks that cover exactly the events shown, and nothing else. One seq range only when
 * the view is unfiltered, every event is of one chain (seq numbers restart at 0 in each
 * gateway process run) and their seqs are contiguous: then the range holds these events and,
 * seq being unique per chain, never any other. Otherwise one mark per event, by id: a range
 * from the lowest to the highest seq shown would also cover the events a filter hid, the
 * same seqs of other runs, or events not stored yet.
 */
export function planPageReview(events: readonly ShownEvent[], view: { filtered: boolean }): PageReviewPlan {
  const eventIds = [...new Set(events.map((e) => e.id))];
  const byEvents = (reason: PageReviewReason): PageReviewPlan => ({
    kind: "events",
    count: eventIds.length,
    eventIds,
    reason,
  });
  if (view.filtered) return byEvents("filtered");
  const chains = new Set(events.map((e) => e.gateway_id));
  const [chainId] = chains;
  if (chains.size !== 1 || chainId === undefined) return byEvents("chains");
  const seqs = new Set(events.map((e) => e.seq));
  const fromSeq = Math.min(...seqs);
  const toSeq = Math.max(...seqs);
  if (seqs.size !== eventIds.length || toSeq - fromSeq + 1 !== seqs.size) return byEvents("gaps");
  return { kind: "range", count: eventIds.length, chainId, fromSeq, toSeq };
}

/** The `audit.markReviewed` input (without `orgId`) for a plan. */
export function pageReviewInput(
  gatewayId: string,
  plan: PageReviewPlan,
  comment?: string,
):
  | { gatewayId: string; chainId: string; fromSeq: number; toSeq: number; comment?: string }
  | { gatewayId: string; eventIds: string[]; comment?: string } {
  const withComment = comment === undefined || comment.trim() === "" ? {} : { comment: comment.trim() };
  return plan.kind === "range"
    ? { gatewayId, chainId: plan.chainId, fromSeq: plan.fromSeq, toSeq: plan.toSeq, ...withComment }
    : { gatewayId, eventIds: plan.eventIds, ...withComment };
}
