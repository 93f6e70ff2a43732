import { describe, expect, it } from "vitest";
import { CliError, errorLine } from "./cli-error.ts";

describe("errorLine", () => {
  it("prints one lowercase line without a stack", () => {
    const error = new Error("Connection refused\n    at Socket.<anonymous> (net.js:1:1)");
    expect(errorLine(error)).toBe("error: connection refused");
  });

  it("does not double the error prefix", () => {
    expect(errorLine(new CliError("error: bad flag"))).toBe("error: bad flag");
  });

  it("prints a guidance paragraph as written", () => {
    expect(errorLine(new CliError("No policy. Write one.", 2, { plain: true }))).toBe(
      "No policy. Write one.",
    );
  });
});
