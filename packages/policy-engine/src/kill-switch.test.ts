import type { KillSwitch } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import type { LocatedError } from "./errors.ts";
import { checkKillSwitches, findKillSwitch, killSwitchApplies, killSwitchReason } from "./kill-switch.ts";
import type { GatewayIdentity } from "./policies.ts";

const gateway: GatewayIdentity = { id: "gw_1", names: ["dev-bot"] };

describe("kill switch scopes", () => {
  it.each([
    { name: "global stops everything", ks: { scope: "global" }, connector: "github", applies: true },
    {
      name: "global stops before a connector is known",
      ks: { scope: "global" },
      connector: undefined,
      applies: true,
    },
    {
      name: "connector stops its connector",
      ks: { scope: "connector", target: "github" },
      connector: "github",
      applies: true,
    },
    {
      name: "connector leaves others alone",
      ks: { scope: "connector", target: "github" },
      connector: "stripe",
      applies: false,
    },
    {
      name: "connector waits for a connector",
      ks: { scope: "connector", target: "github" },
      connector: undefined,
      applies: false,
    },
    { name: "gateway by id", ks: { scope: "gateway", target: "gw_1" }, connector: "x", applies: true },
    { name: "gateway by name", ks: { scope: "gateway", target: "dev-bot" }, connector: "x", applies: true },
    { name: "another gateway", ks: { scope: "gateway", target: "gw_2" }, connector: "x", applies: false },
    {
      name: "a switch without target fails closed",
      ks: { scope: "connector" },
      connector: "x",
      applies: true,
    },
    { name: "an unknown scope fails closed", ks: { scope: "everything" }, connector: "x", applies: true },
    { name: "a non-object fails closed", ks: null, connector: "x", applies: true },
  ])("$name", ({ ks, connector, applies }) => {
    expect(killSwitchApplies(ks, connector, gateway)).toBe(applies);
  });

  it("prefers global over gateway over connector, document before runtime", () => {
    const doc: KillSwitch[] = [{ id: "c", scope: "connector", target: "github" }];
    const extra: KillSwitch[] = [
      { id: "g", scope: "gateway", target: "gw_1" },
      { id: "all", scope: "global" },
    ];
    expect(findKillSwitch(doc, extra, "github", gateway)?.id).toBe("all");
    expect(findKillSwitch(doc, extra.slice(0, 1), "github", gateway)?.id).toBe("g");
    expect(findKillSwitch(doc, [], "github", gateway)?.id).toBe("c");
    expect(findKillSwitch(doc, [], "stripe", gateway)).toBeUndefined();
  });

  it("reports a malformed runtime switch as a global one", () => {
    const found = findKillSwitch([], [{ id: "odd", scope: "connector" } as KillSwitch], "github", gateway);
    expect(found).toEqual({ scope: "global", id: "odd" });
  });

  it.each([
    {
      ks: { id: "ks_1", scope: "global", reason: "incident 42" },
      text: "denied: kill switch `ks_1` is active for every action: incident 42",
    },
    {
      ks: { scope: "connector", target: "github" },
      text: "denied: kill switch `kill-switch:connector:github` is active for connector `github`",
    },
    {
      ks: { scope: "gateway", target: "dev-bot" },
      text: "denied: kill switch `kill-switch:gateway:dev-bot` is active for gateway `dev-bot`",
    },
  ] satisfies { ks: KillSwitch; text: string }[])("explains $ks.scope switches", ({ ks, text }) => {
    expect(killSwitchReason(ks)).toMatchObject({
      source: "kill_switch",
      decision: "deny",
      explanation: text,
    });
  });

  it("checks document switches for a target and a known connector", () => {
    const errors: LocatedError[] = [];
    checkKillSwitches(
      [{ scope: "connector" }, { scope: "connector", target: "gh" }, { scope: "gateway", target: "x" }],
      new Set(["github"]),
      errors,
    );
    expect(errors).toEqual([
      {
        segments: ["kill_switches", 0, "target"],
        message: "kill switch `connector`: a kill switch with scope `connector` needs a `target`",
      },
      {
        segments: ["kill_switches", 1, "target"],
        message: "kill switch `connector`: unknown connector `gh`",
      },
    ]);
  });
});
