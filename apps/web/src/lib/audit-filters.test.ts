import { describe, expect, it } from "vitest";
import {
  auditFilters,
  auditListKey,
  auditViewQuery,
  exportHref,
  readAuditView,
  unreviewedCountFilters,
  unreviewedCountKey,
} from "./audit-filters.ts";

describe("audit views in the URL", () => {
  it("a view survives the round trip through its URL, so a shared link shows the same events", () => {
    const query =
      "?gateway=gw_abc12345&range=24h&agent=bot&action=github.pr.*&decision=deny,require_approval&status=403&unreviewed=1";
    const view = readAuditView(new URLSearchParams(query));
    expect(view).toMatchObject({
      gateway: "gw_abc12345",
      range: "24h",
      agent: "bot",
      action: "github.pr.*",
      decision: ["deny", "require_approval"],
      status: "403",
      unreviewed: true,
    });
    expect(readAuditView(new URLSearchParams(auditViewQuery(view)))).toEqual(view);
  });

  it("drops decisions the API does not know instead of sending them", () => {
    expect(readAuditView(new URLSearchParams("decision=deny,maybe")).decision).toEqual(["deny"]);
  });

  it("the page key ignores the open event (same rows, no refetch) but not the unreviewed switch (other rows)", () => {
    const base = readAuditView(new URLSearchParams("gateway=gw_abc12345"));
    expect(auditListKey("org_1", { ...base, event: "evt_1" })).toBe(auditListKey("org_1", base));
    expect(auditListKey("org_1", { ...base, unreviewed: true })).not.toBe(auditListKey("org_1", base));
  });

  it("the unreviewed count follows the filters, not the page, the open event or the switch", () => {
    const base = readAuditView(new URLSearchParams("gateway=gw_abc12345&decision=deny"));
    const key = unreviewedCountKey("org_1", base);
    expect(unreviewedCountKey("org_1", { ...base, cursor: "abc", event: "evt_1", unreviewed: true })).toBe(
      key,
    );
    expect(unreviewedCountKey("org_1", { ...base, decision: ["allow"] })).not.toBe(key);
  });
});

describe("auditFilters", () => {
  const now = Date.parse("2025-11-25T12:00:00.000Z");

  it("resolves a relative range against the given clock", () => {
    const result = auditFilters(readAuditView(new URLSearchParams("range=1h")), now, 50);
    expect(result).toEqual({ ok: true, filters: { from: "2025-11-25T11:00:00.000Z", limit: 50 } });
  });

  it("checks filters with the API's own schema and reports what it refuses", () => {
    const result = auditFilters(readAuditView(new URLSearchParams("status=4.5")), now, 50);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^status/);
  });

  it("the unreviewed switch is a server-side filter of the page, and the count takes the rest", () => {
    const filters = auditFilters(
      readAuditView(new URLSearchParams("gateway=gw_abc12345&decision=deny&unreviewed=1&cursor=abc")),
      now,
      50,
    );
    expect(filters).toEqual({
      ok: true,
      filters: { gatewayId: "gw_abc12345", decision: ["deny"], unreviewed: true, cursor: "abc", limit: 50 },
    });
    if (!filters.ok) return;
    expect(unreviewedCountFilters(filters.filters)).toEqual({ gatewayId: "gw_abc12345", decision: ["deny"] });
    const href = new URL(exportHref("org_1", filters.filters, "jsonl"), "http://x");
    expect(href.searchParams.get("unreviewed")).toBe("true");
  });

  it("the export link carries every filter but never the page cursor or size", () => {
    const view = readAuditView(new URLSearchParams("gateway=gw_abc12345&decision=deny&cursor=abc"));
    const filters = auditFilters(view, now, 50);
    expect(filters.ok).toBe(true);
    if (!filters.ok) return;
    const href = new URL(exportHref("org_1", filters.filters, "csv"), "http://x");
    expect(href.pathname).toBe("/export/audit");
    expect(Object.fromEntries(href.searchParams)).toEqual({
      orgId: "org_1",
      format: "csv",
      gatewayId: "gw_abc12345",
      decision: "deny",
    });
  });
});
