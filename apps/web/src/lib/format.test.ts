import { describe, expect, it } from "vitest";
import { formatDateTime, hasRole, timeLeft } from "./format.ts";
import { bucketsFromStats } from "./traffic.ts";

describe("hasRole", () => {
  const table = [
    { role: "owner", minimum: "admin", expected: true },
    { role: "admin", minimum: "admin", expected: true },
    { role: "member", minimum: "admin", expected: false },
    { role: "viewer", minimum: "member", expected: false },
    { role: "viewer", minimum: "viewer", expected: true },
  ] as const;
  for (const row of table) {
    it(`the UI offers ${row.minimum}-only controls to a ${row.role}: ${row.expected}`, () => {
      expect(hasRole(row.role, row.minimum)).toBe(row.expected);
    });
  }
});

describe("time formatting", () => {
  it("a countdown says expired once the time is past, never a negative time", () => {
    expect(timeLeft("2025-01-01T00:00:00Z", Date.parse("2025-01-01T00:00:01Z"))).toBe("expired");
    expect(timeLeft("2025-01-01T01:02:03Z", Date.parse("2025-01-01T00:00:00Z"))).toBe("1:02:03");
    expect(timeLeft("2025-01-01T00:04:05Z", Date.parse("2025-01-01T00:00:00Z"))).toBe("4:05");
  });

  it("dates print the same on the server and in the browser (no locale data involved)", () => {
    const iso = "2025-11-25T14:02:11.000Z";
    const d = new Date(iso);
    const two = (n: number) => String(n).padStart(2, "0");
    expect(formatDateTime(iso)).toBe(
      `${two(d.getDate())} Nov 2025, ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`,
    );
    expect(formatDateTime(null)).toBe("—");
  });
});

describe("bucketsFromStats", () => {
  it("one bucket per minute of the window, filled from the API's counts; bypass and error count as other", () => {
    const buckets = bucketsFromStats({
      from: "2025-11-25T11:01:00.000Z",
      to: "2025-11-25T12:01:00.000Z",
      perMinute: [
        { minute: "2025-11-25T11:01:00.000Z", counts: { allow: 3, error: 1 } },
        { minute: "2025-11-25T11:59:00.000Z", counts: { require_approval: 1, bypass: 2 } },
        { minute: "2025-11-25T12:00:00.000Z", counts: { allow: 1, deny: 4 } },
        // Outside the window (never sent by the API, and never drawn).
        { minute: "2025-11-25T12:01:00.000Z", counts: { allow: 9 } },
      ],
    });
    expect(buckets).toHaveLength(60);
    expect(buckets[0]).toEqual({
      startMs: Date.parse("2025-11-25T11:01:00.000Z"),
      counts: { allow: 3, require_approval: 0, deny: 0, other: 1 },
    });
    expect(buckets.at(-1)?.counts).toEqual({ allow: 1, require_approval: 0, deny: 4, other: 0 });
    expect(buckets.at(-2)?.counts).toEqual({ allow: 0, require_approval: 1, deny: 0, other: 2 });
    const total = buckets.reduce(
      (s, b) => s + b.counts.allow + b.counts.deny + b.counts.require_approval + b.counts.other,
      0,
    );
    expect(total).toBe(12);
  });
});
