import type { DecisionReason, RateLimit } from "@tameflare/contracts";
import type { LocatedError } from "./errors.ts";
import { code } from "./format.ts";
import { type CompiledGlob, compileGlob } from "./glob.ts";
import { GlobIndex, TypeMemo } from "./glob-index.ts";

/** One token bucket: `tokens` available as of `updatedMs` (the injected clock). */
export interface TokenBucket {
  readonly tokens: number;
  readonly updatedMs: number;
}

/**
 * Rate-limit state, owned by the caller (the gateway keeps it between requests) and
 * never mutated by the engine: `evaluate` returns a new state. Buckets are keyed by
 * limit id, then by subject (`all`, or `agent:<name>` for `per_agent` limits). A missing
 * bucket is a full one, so the state only holds buckets that were used recently; it is
 * plain JSON and survives a restart or a recompile (limit ids are stable).
 */
export interface RateLimitState {
  readonly limits: Readonly<Record<string, Readonly<Record<string, TokenBucket>>>>;
}

/** The state with every bucket full. */
export const emptyRateLimitState: RateLimitState = Object.freeze({ limits: Object.freeze({}) });

/** A compiled rate limit: `max` actions per `windowMs`, refilled continuously. */
export interface CompiledRateLimit {
  readonly id: string;
  readonly index: number;
  readonly action: string;
  readonly glob: CompiledGlob;
  readonly perAgent: boolean;
  readonly max: number;
  readonly windowMs: number;
}

/** Rate limits indexed by their action glob. */
export class RateLimitIndex {
  readonly #index = new GlobIndex<CompiledRateLimit>();
  readonly #all: CompiledRateLimit[] = [];
  readonly #memo = new TypeMemo<readonly CompiledRateLimit[]>();
  readonly #findBound = (type: string): CompiledRateLimit[] => this.#find(type);

  get size(): number {
    return this.#all.length;
  }

  static build(limits: readonly RateLimit[], errors: LocatedError[]): RateLimitIndex {
    const index = new RateLimitIndex();
    const ids = new Set<string>();
    limits.forEach((limit, i) => {
      const label = `rate limit ${code(limit.name ?? limit.action)}`;
      if (limit.name !== undefined && ids.has(limit.name)) {
        errors.push({ segments: ["rate_limits", i, "name"], message: `${label}: duplicate rate limit name` });
        return;
      }
      const glob = compileGlob(limit.action);
      if (!glob.ok) {
        errors.push({
          segments: ["rate_limits", i, "action"],
          message: `${label}: action pattern ${code(limit.action)} ${glob.message}`,
        });
        return;
      }
      if (
        !Number.isInteger(limit.max) ||
        limit.max < 1 ||
        !Number.isInteger(limit.window_seconds) ||
        limit.window_seconds < 1
      ) {
        errors.push({
          segments: ["rate_limits", i],
          message: `${label}: \`max\` and \`window_seconds\` must be positive integers`,
        });
        return;
      }
      let id =
        limit.name ??
        `${limit.action}:${limit.max}/${limit.window_seconds}s${limit.per_agent ? "/agent" : ""}`;
      // Two unnamed limits with the same shape still need distinct buckets.
      for (let n = 2; ids.has(id); n++) id = `${limit.name ?? limit.action}#${n}`;
      ids.add(id);
      const compiled: CompiledRateLimit = {
        id,
        index: i,
        action: limit.action,
        glob: glob.glob,
        perAgent: limit.per_agent === true,
        max: limit.max,
        windowMs: limit.window_seconds * 1000,
      };
      index.#all.push(compiled);
      index.#index.add(glob.glob, compiled);
    });
    return index;
  }

  /** The limits that apply to an action type, in document order (shared: do not mutate). */
  matching(type: string): readonly CompiledRateLimit[] {
    if (this.#all.length === 0) return this.#all;
    return this.#memo.get(type, this.#findBound);
  }

  #find(type: string): CompiledRateLimit[] {
    const out: CompiledRateLimit[] = [];
    this.#index.forEachMatch(type, (limit) => {
      out.push(limit);
    });
    if (out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }
}

/** Tokens in a bucket at `nowMs`: refilled at `max / window`, capped at `max`. */
export function refill(bucket: unknown, limit: CompiledRateLimit, nowMs: number): number {
  if (!isBucket(bucket)) return limit.max;
  const elapsed = nowMs - bucket.updatedMs;
  // A clock that went backwards refills nothing; it never takes tokens away.
  const gained = elapsed > 0 ? (elapsed * limit.max) / limit.windowMs : 0;
  return Math.min(limit.max, bucket.tokens + gained);
}

function isBucket(value: unknown): value is TokenBucket {
  if (typeof value !== "object" || value === null) return false;
  const { tokens, updatedMs } = value as Record<string, unknown>;
  return (
    typeof tokens === "number" &&
    Number.isFinite(tokens) &&
    tokens >= 0 &&
    typeof updatedMs === "number" &&
    Number.isFinite(updatedMs)
  );
}

/** Floating-point slack so that a bucket refilled to exactly one token counts as one. */
const epsilon = 1e-9;

export function subjectKey(limit: CompiledRateLimit, agent: string): string {
  return limit.perAgent ? `agent:${agent}` : "all";
}

/** Why a request was rate limited. */
export interface RateLimitHit {
  readonly limit: CompiledRateLimit;
  readonly retryAfterSeconds: number;
  readonly reason: DecisionReason;
}

/**
 * A copy-on-write draft of a {@link RateLimitState}. Only the limits a request touches
 * are copied (their full buckets dropped on the way), so a decision costs O(buckets of
 * the touched limits), not O(whole state). `finish` returns the base object itself when
 * nothing was consumed.
 */
export class RateStateDraft {
  readonly #base: RateLimitState;
  readonly #nowMs: number;
  #touched: Map<string, Record<string, TokenBucket>> | undefined;

  constructor(base: unknown, nowMs: number) {
    this.#base = isState(base) ? base : emptyRateLimitState;
    this.#nowMs = Number.isFinite(nowMs) ? nowMs : 0;
  }

  get base(): RateLimitState {
    return this.#base;
  }

  /** Takes one token from every limit, or none when any is empty (then says which and when). */
  tryConsume(limits: readonly CompiledRateLimit[], agent: string): RateLimitHit | undefined {
    let worst: { limit: CompiledRateLimit; retryMs: number } | undefined;
    const available: number[] = [];
    for (const limit of limits) {
      const tokens = refill(this.#bucket(limit, agent), limit, this.#nowMs);
      available.push(tokens);
      if (tokens < 1 - epsilon) {
        const retryMs = ((1 - tokens) * limit.windowMs) / limit.max;
        if (worst === undefined || retryMs > worst.retryMs) worst = { limit, retryMs };
      }
    }
    if (worst !== undefined) {
      const retryAfterSeconds = Math.max(1, Math.ceil(worst.retryMs / 1000 - epsilon));
      const { limit } = worst;
      const who = limit.perAgent ? ` for agent ${code(agent)}` : "";
      return {
        limit,
        retryAfterSeconds,
        reason: {
          source: "rate_limit",
          id: limit.id,
          rule: limit.action,
          decision: "deny",
          explanation: `denied: rate limit ${code(limit.id)} allows ${limit.max} ${code(limit.action)} action${limit.max === 1 ? "" : "s"} per ${limit.windowMs / 1000} s${limit.perAgent ? " per agent" : ""} and is used up${who}; retry in ${retryAfterSeconds} s`,
        },
      };
    }
    limits.forEach((limit, i) => {
      const record = this.#writable(limit);
      record[subjectKey(limit, agent)] = {
        tokens: Math.max(0, (available[i] as number) - 1),
        updatedMs: this.#nowMs,
      };
    });
    return undefined;
  }

  finish(): RateLimitState {
    if (this.#touched === undefined) return this.#base;
    const limits: Record<string, Readonly<Record<string, TokenBucket>>> = Object.create(null);
    for (const [id, record] of Object.entries(this.#base.limits)) limits[id] = record;
    for (const [id, record] of this.#touched) limits[id] = record;
    return { limits };
  }

  #bucket(limit: CompiledRateLimit, agent: string): unknown {
    const key = subjectKey(limit, agent);
    const touched = this.#touched?.get(limit.id);
    if (touched !== undefined) return Object.hasOwn(touched, key) ? touched[key] : undefined;
    const record = Object.hasOwn(this.#base.limits, limit.id) ? this.#base.limits[limit.id] : undefined;
    if (typeof record !== "object" || record === null) return undefined;
    return Object.hasOwn(record, key) ? record[key] : undefined;
  }

  #writable(limit: CompiledRateLimit): Record<string, TokenBucket> {
    this.#touched ??= new Map();
    let record = this.#touched.get(limit.id);
    if (record !== undefined) return record;
    record = Object.create(null) as Record<string, TokenBucket>;
    const old = Object.hasOwn(this.#base.limits, limit.id) ? this.#base.limits[limit.id] : undefined;
    if (typeof old === "object" && old !== null) {
      for (const [key, bucket] of Object.entries(old)) {
        // Buckets that are full again carry no information: dropping them bounds the state.
        if (isBucket(bucket) && refill(bucket, limit, this.#nowMs) < limit.max) record[key] = bucket;
      }
    }
    this.#touched.set(limit.id, record);
    return record;
  }
}

function isState(value: unknown): value is RateLimitState {
  if (typeof value !== "object" || value === null) return false;
  const limits = (value as { limits?: unknown }).limits;
  return typeof limits === "object" && limits !== null && !Array.isArray(limits);
}
