import { describe, expect, it } from "vitest";
import { testBackends } from "../../../tests/support/index.ts";

describe.each(testBackends)("database on $name", (backend) => {
  it("ping answers true while the database is open and false (without throwing) once it is closed", async () => {
    const opened = await backend.open();
    try {
      expect(await opened.db.ping()).toBe(true);
      await opened.db.close();
      expect(await opened.db.ping({ timeoutMs: 1000 })).toBe(false);
    } finally {
      await opened.cleanup();
    }
  });
});
