import { describe, expect, it } from "vitest";
import { looseEquals, toNumber } from "./values.ts";

describe("toNumber", () => {
  it.each([
    { input: 42, expected: 42 },
    { input: -1.5, expected: -1.5 },
    { input: "5000", expected: 5000 },
    { input: " 1.5e3 ", expected: 1500 },
    { input: ".5", expected: 0.5 },
    { input: "+7", expected: 7 },
    { input: "", expected: undefined },
    { input: "12abc", expected: undefined },
    { input: "0x10", expected: undefined },
    { input: "Infinity", expected: undefined },
    { input: Number.NaN, expected: undefined },
    { input: Number.POSITIVE_INFINITY, expected: undefined },
    { input: true, expected: undefined },
    { input: null, expected: undefined },
    { input: [5], expected: undefined },
    { input: "1".repeat(65), expected: undefined },
  ])("converts $input to $expected (numbers and numeric strings only)", ({ input, expected }) => {
    expect(toNumber(input)).toBe(expected);
  });
});

describe("looseEquals", () => {
  it.each([
    { actual: "main", expected: "main", result: true },
    { actual: "Main", expected: "main", result: false },
    { actual: 5000, expected: "5000", result: true },
    { actual: "5000", expected: 5000, result: true },
    { actual: "5000.0", expected: 5000, result: true },
    { actual: "abc", expected: 0, result: false },
    { actual: true, expected: "true", result: false },
    { actual: null, expected: null, result: true },
    { actual: undefined, expected: null, result: false },
    { actual: ["main"], expected: "main", result: false },
    { actual: Number.NaN, expected: "NaN", result: false },
  ])("$actual equals $expected is $result", ({ actual, expected, result }) => {
    expect(looseEquals(actual, expected)).toBe(result);
  });
});
