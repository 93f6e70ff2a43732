import { describe, expect, it } from "vitest";
import { type PageReviewPlan, pageReviewInput, planPageReview, type ShownEvent } from "./page-review.ts";

const run = (chain: string, seqs: number[]): ShownEvent[] =>
  seqs.map((seq) => ({ id: `evt_${chain.replace(/\W/g, "")}${seq}`, gateway_id: chain, seq }));

describe("planPageReview marks exactly the events shown", () => {
  const cases: { name: string; events: ShownEvent[]; filtered: boolean; expected: PageReviewPlan }[] = [
    {
      name: "an unfiltered page of one run with contiguous seqs is one range of that run",
      events: run("gw_1:r1", [12, 11, 10, 9]),
      filtered: false,
      expected: { kind: "range", count: 4, chainId: "gw_1:r1", fromSeq: 9, toSeq: 12 },
    },
    {
      name: "a filtered page is marked event by event, even when its seqs are contiguous",
      events: run("gw_1:r1", [3, 2, 1]),
      filtered: true,
      expected: {
        kind: "events",
        count: 3,
        eventIds: ["evt_gw_1r13", "evt_gw_1r12", "evt_gw_1r11"],
        reason: "filtered",
      },
    },
    {
      name: "a page spanning two runs (overlapping seq numbers) is marked event by event",
      events: [...run("gw_1:r2", [1, 0]), ...run("gw_1:r1", [5, 4])],
      filtered: false,
      expected: {
        kind: "events",
        count: 4,
        eventIds: ["evt_gw_1r21", "evt_gw_1r20", "evt_gw_1r15", "evt_gw_1r14"],
        reason: "chains",
      },
    },
    {
      name: "seqs with a gap (an event not stored yet, or shown elsewhere) are marked event by event",
      events: run("gw_1", [9, 7, 6]),
      filtered: false,
      expected: {
        kind: "events",
        count: 3,
        eventIds: ["evt_gw_19", "evt_gw_17", "evt_gw_16"],
        reason: "gaps",
      },
    },
    {
      name: "one event unfiltered is a range of one seq",
      events: run("gw_1", [4]),
      filtered: false,
      expected: { kind: "range", count: 1, chainId: "gw_1", fromSeq: 4, toSeq: 4 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(planPageReview(c.events, { filtered: c.filtered })).toEqual(c.expected);
    });
  }

  it("builds the markReviewed input of each plan, comment trimmed, an empty comment left out", () => {
    const range = planPageReview(run("gw_1:r1", [2, 1]), { filtered: false });
    expect(pageReviewInput("gw_1", range, "  looked  ")).toEqual({
      gatewayId: "gw_1",
      chainId: "gw_1:r1",
      fromSeq: 1,
      toSeq: 2,
      comment: "looked",
    });
    const events = planPageReview(run("gw_1:r1", [2, 1]), { filtered: true });
    expect(pageReviewInput("gw_1", events, " ")).toEqual({
      gatewayId: "gw_1",
      eventIds: ["evt_gw_1r12", "evt_gw_1r11"],
    });
  });
});
