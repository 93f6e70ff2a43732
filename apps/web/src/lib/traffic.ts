export const chartSeries = [
  { key: "allow", label: "Allowed", color: "var(--allow)" },
  { key: "require_approval", label: "Held for approval", color: "var(--hold)" },
  { key: "deny", label: "Denied", color: "var(--deny)" },
  { key: "other", label: "Bypassed / error", color: "#8a93a0" },
] as const;

export type SeriesKey = (typeof chartSeries)[number]["key"];

export interface MinuteBucket {
  /** Start of the minute, ms since the epoch. */
  startMs: number;
  counts: Record<SeriesKey, number>;
}

/** Groups events into per-minute buckets by decision over the `minutes` before `nowMs`. */
export function bucketByMinute(
  events: ReadonlyArray<{ ts: string; decision: string }>,
  nowMs: number,
  minutes: number,
): MinuteBucket[] {
  const end = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
  const start = end - minutes * 60_000;
  const buckets: MinuteBucket[] = Array.from({ length: minutes }, (_, i) => ({
    startMs: start + i * 60_000,
    counts: { allow: 0, require_approval: 0, deny: 0, other: 0 },
  }));
  for (const e of events) {
    const t = Date.parse(e.ts);
    if (t < start || t >= end) continue;
    const bucket = buckets[Math.floor((t - start) / 60_000)];
    if (bucket === undefined) continue;
    const key: SeriesKey =
      e.decision === "allow" || e.decision === "deny" || e.decision === "require_approval"
        ? e.decision
        : "other";
    bucket.counts[key] += 1;
  }
  return buckets;
}
