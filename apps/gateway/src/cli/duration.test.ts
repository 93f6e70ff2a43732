import { describe, expect, it } from "vitest";
import { parseSince } from "./duration.ts";

const now = Date.parse("2026-01-01T12:00:00Z");

describe("parseSince", () => {
  it.each([
    { input: "30s", back: 30_000 },
    { input: "15m", back: 900_000 },
    { input: "2h", back: 7_200_000 },
    { input: "1d", back: 86_400_000 },
    { input: "1h30m", back: 5_400_000 },
  ])("`$input` means $back ms ago", ({ input, back }) => {
    expect(parseSince(input, now)).toEqual({ ok: true, ms: now - back });
  });

  it("accepts an iso timestamp", () => {
    expect(parseSince("2026-01-01T11:00:00Z", now)).toEqual({ ok: true, ms: now - 3_600_000 });
  });

  it.each(["", "ten minutes", "5", "5x", "5m garbage"])("rejects `%s` with a message", (input) => {
    const result = parseSince(input, now);
    expect(result.ok).toBe(false);
  });
});
