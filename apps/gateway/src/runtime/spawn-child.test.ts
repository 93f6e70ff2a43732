import { describe, expect, it } from "vitest";
import { exitCodeForSignal } from "./spawn-child.ts";

describe("exitCodeForSignal", () => {
  it.each([
    { signal: "SIGTERM" as const, expected: 143 },
    { signal: "SIGINT" as const, expected: 130 },
    { signal: "SIGKILL" as const, expected: 137 },
  ])("a child killed by $signal makes tf exit $expected", ({ signal, expected }) => {
    expect(exitCodeForSignal(signal)).toBe(expected);
  });
});
