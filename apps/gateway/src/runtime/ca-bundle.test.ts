import { describe, expect, it } from "vitest";
import { assembleCaBundle } from "./ca-bundle.ts";

const cert = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

describe("assembleCaBundle", () => {
  it("keeps every system root and appends the gateway ca last", () => {
    const bundle = assembleCaBundle([`# comment\n${cert("AAA")}\n${cert("BBB")}\n`], cert("GGG"));
    expect(bundle).toBe(`${cert("AAA")}\n${cert("BBB")}\n${cert("GGG")}\n`);
  });

  it("lists a certificate once when several variables name the same roots", () => {
    const bundle = assembleCaBundle([cert("AAA"), `${cert("AAA")}\n${cert("CCC")}`], cert("AAA"));
    expect(bundle).toBe(`${cert("AAA")}\n${cert("CCC")}\n`);
  });
});
