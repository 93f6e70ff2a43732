import { describe, expect, it } from "vitest";
import { resolvePgliteDir } from "./database.ts";

describe("resolvePgliteDir", () => {
  it("puts the embedded database under <cwd>/.tameflare/pglite by default", () => {
    expect(resolvePgliteDir(undefined, "/srv/app")).toBe("/srv/app/.tameflare/pglite");
  });
  it("resolves a relative data dir against the working directory and keeps absolute ones", () => {
    expect(resolvePgliteDir("data/db", "/srv/app")).toBe("/srv/app/data/db");
    expect(resolvePgliteDir("/var/lib/tameflare", "/srv/app")).toBe("/var/lib/tameflare");
  });
  it("passes an in-memory location through unchanged", () => {
    expect(resolvePgliteDir("memory://", "/srv/app")).toBe("memory://");
  });
});
