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

/**
 * One bucket per minute of the window `from <= t < to` (whole minutes, as `audit.stats`
 * answers), filled from the API's per-minute counts; minutes without events stay at zero.
 * Bypassed and errored requests count as `other`.
 */
export function bucketsFromStats(stats: {
  from: string;
  to: string;
  perMinute: ReadonlyArray<{ minute: string; counts: Partial<Record<string, number>> }>;
}): MinuteBucket[] {
  const start = Date.parse(stats.from);
  const minutes = Math.max(0, Math.round((Date.parse(stats.to) - start) / 60_000));
  const buckets: MinuteBucket[] = Array.from({ length: minutes }, (_, i) => ({
    startMs: start + i * 60_000,
    counts: { allow: 0, require_approval: 0, deny: 0, other: 0 },
  }));
  for (const { minute, counts } of stats.perMinute) {
    const bucket = buckets[Math.floor((Date.parse(minute) - start) / 60_000)];
    if (bucket === undefined) continue;
    for (const [decision, n] of Object.entries(counts)) {
      const key: SeriesKey =
        decision === "allow" || decision === "deny" || decision === "require_approval" ? decision : "other";
      bucket.counts[key] += n ?? 0;
    }
  }
  return buckets;
}
