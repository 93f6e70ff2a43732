import type { RateLimit } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import type { LocatedError } from "./errors.ts";
import {
  type CompiledRateLimit,
  emptyRateLimitState,
  RateLimitIndex,
  type RateLimitState,
  RateStateDraft,
  refill,
} from "./rate-limit.ts";

function limits(list: Partial<RateLimit>[]): RateLimitIndex {
  const errors: LocatedError[] = [];
  const index = RateLimitIndex.build(
    list.map((l) => ({ action: "stripe.charge.create", per_agent: false, max: 2, window_seconds: 60, ...l })),
    errors,
  );
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  return index;
}

function consume(
  index: RateLimitIndex,
  state: RateLimitState,
  nowMs: number,
  agent = "bot",
  type = "stripe.charge.create",
) {
  const draft = new RateStateDraft(state, nowMs);
  const hit = draft.tryConsume(index.matching(type), agent);
  return { hit, state: hit === undefined ? draft.finish() : draft.base };
}

describe("token buckets on the injected clock", () => {
  it("allows `max` actions, then refuses with the seconds until one token is back", () => {
    const index = limits([{ max: 2, window_seconds: 60 }]);
    let state = emptyRateLimitState;
    const outcomes: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = consume(index, state, 1_000);
      state = r.state;
      outcomes.push(r.hit?.retryAfterSeconds);
    }
    expect(outcomes).toEqual([undefined, undefined, 30]);
  });

  it("refills continuously: one token every window/max", () => {
    const index = limits([{ max: 10, window_seconds: 60 }]);
    let state = emptyRateLimitState;
    for (let i = 0; i < 10; i++) state = consume(index, state, 0).state;
    expect(consume(index, state, 5_999).hit?.retryAfterSeconds).toBe(1);
    expect(consume(index, state, 6_000).hit).toBeUndefined();
  });

  it("keeps separate buckets per agent when `per_agent` is set, one shared bucket otherwise", () => {
    const perAgent = limits([{ max: 1, per_agent: true }]);
    const a = consume(perAgent, emptyRateLimitState, 0, "a");
    expect(consume(perAgent, a.state, 0, "b").hit).toBeUndefined();
    expect(consume(perAgent, a.state, 0, "a").hit).toBeDefined();
    const shared = limits([{ max: 1 }]);
    const s = consume(shared, emptyRateLimitState, 0, "a");
    expect(consume(shared, s.state, 0, "b").hit).toBeDefined();
  });

  it("consumes from every matching limit or from none", () => {
    const index = limits([
      { name: "wide", action: "stripe.*", max: 5 },
      { name: "narrow", action: "stripe.charge.create", max: 1 },
    ]);
    const first = consume(index, emptyRateLimitState, 0);
    const second = consume(index, first.state, 0);
    expect(second.hit?.limit.id).toBe("narrow");
    // The refused request took nothing from `wide`.
    expect(second.state.limits.wide?.all?.tokens).toBe(4);
  });

  it("never mutates the state it is given", () => {
    const index = limits([{ max: 3 }]);
    const start = consume(index, emptyRateLimitState, 0).state;
    const snapshot = JSON.stringify(start);
    consume(index, start, 10);
    expect(JSON.stringify(start)).toBe(snapshot);
    expect(JSON.stringify(emptyRateLimitState)).toBe('{"limits":{}}');
  });

  it("drops buckets that are full again when it copies a limit, so the state stays small", () => {
    const index = limits([{ max: 1, per_agent: true, window_seconds: 1 }]);
    let state = emptyRateLimitState;
    for (const agent of ["a", "b", "c"]) state = consume(index, state, 0, agent).state;
    expect(Object.keys(state.limits["stripe.charge.create:1/1s/agent"] ?? {}).sort()).toEqual([
      "agent:a",
      "agent:b",
      "agent:c",
    ]);
    state = consume(index, state, 5_000, "d").state;
    expect(Object.keys(state.limits["stripe.charge.create:1/1s/agent"] ?? {})).toEqual(["agent:d"]);
  });

  it("returns the very same state object when no limit applies", () => {
    const index = limits([{ max: 1 }]);
    const start = consume(index, emptyRateLimitState, 0).state;
    expect(consume(index, start, 0, "bot", "github.pr.merge").state).toBe(start);
  });

  it.each([
    {
      name: "a clock that went backwards refills nothing",
      bucket: { tokens: 0.5, updatedMs: 10_000 },
      now: 0,
      expected: 0.5,
    },
    { name: "a missing bucket is full", bucket: undefined, now: 0, expected: 4 },
    {
      name: "a malformed bucket is treated as full",
      bucket: { tokens: "x", updatedMs: 0 },
      now: 0,
      expected: 4,
    },
    { name: "refill is capped at max", bucket: { tokens: 0, updatedMs: 0 }, now: 10_000_000, expected: 4 },
  ])("$name", ({ bucket, now, expected }) => {
    const limit: CompiledRateLimit = limits([{ max: 4 }]).matching(
      "stripe.charge.create",
    )[0] as CompiledRateLimit;
    expect(refill(bucket, limit, now)).toBe(expected);
  });

  it("accepts a malformed state as empty instead of failing", () => {
    const index = limits([{ max: 1 }]);
    for (const bad of [null, 42, { limits: [] }, { limits: { "stripe.charge.create:1/60s": "nope" } }]) {
      expect(consume(index, bad as unknown as RateLimitState, 0).hit).toBeUndefined();
    }
  });
});

describe("rate limit ids", () => {
  it("are the name when given, a stable description otherwise, and unique", () => {
    const index = limits([
      { name: "charges" },
      {},
      {},
      { action: "stripe.*", per_agent: true, max: 5, window_seconds: 10 },
    ]);
    expect(index.matching("stripe.charge.create").map((l) => l.id)).toEqual([
      "charges",
      "stripe.charge.create:2/60s",
      "stripe.charge.create#2",
      "stripe.*:5/10s/agent",
    ]);
  });
});
