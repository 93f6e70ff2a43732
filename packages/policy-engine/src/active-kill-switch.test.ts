import { describe, expect, it } from "vitest";
import { activeKillSwitch } from "./active-kill-switch.ts";
import { compiled, connectors } from "./testing/fixtures.ts";

describe("activeKillSwitch (the gateway's step 2)", () => {
  const c = compiled(
    {
      gateway: { name: "dev-bot" },
      connectors: connectors("github", "slack"),
      kill_switches: [{ id: "ks_slack", scope: "connector", target: "slack" }],
    },
    { gateway: { id: "gw_1" } },
  );

  it.each([
    {
      name: "finds nothing before a connector is known when only connector switches exist",
      request: {},
      extra: [],
      id: undefined,
    },
    {
      name: "finds the document's connector switch once the connector is known",
      request: { connector: "slack" },
      extra: [],
      id: "ks_slack",
    },
    { name: "leaves other connectors alone", request: { connector: "github" }, extra: [], id: undefined },
    {
      name: "finds a runtime global switch before any parsing",
      request: {},
      extra: [{ id: "all", scope: "global" as const }],
      id: "all",
    },
    {
      name: "finds a runtime switch for this gateway's id",
      request: {},
      extra: [{ id: "gw", scope: "gateway" as const, target: "gw_1" }],
      id: "gw",
    },
    {
      name: "ignores a switch for another gateway",
      request: {},
      extra: [{ id: "x", scope: "gateway" as const, target: "gw_2" }],
      id: undefined,
    },
  ])("$name", ({ request, extra, id }) => {
    expect(activeKillSwitch(c, request, extra)?.id).toBe(id);
  });

  it("fails closed when the compiled policy is unusable", () => {
    expect(activeKillSwitch({} as never, {})?.scope).toBe("global");
  });
});
