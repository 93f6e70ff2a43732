import { describe, expect, it } from "vitest";
import { AgentRegistry } from "./identity.ts";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("agent identity", () => {
  it("known credentials name the agent; wrong, missing or malformed ones do not", () => {
    const agents = new AgentRegistry({ bot: "pw-1" });
    const added = agents.add("other");
    expect(agents.identify(basic("bot", "pw-1"))).toBe("bot");
    expect(agents.identify(basic(added.username, added.password))).toBe("other");
    expect(agents.identify(basic("bot", "pw-2"))).toBeUndefined();
    expect(agents.identify(basic("nobody", "pw-1"))).toBeUndefined();
    expect(agents.identify(undefined)).toBeUndefined();
    expect(agents.identify("Bearer x")).toBeUndefined();
    expect(agents.identify("Basic !!!")).toBeUndefined();
  });

  it("a password change takes effect at once (no stale cache)", () => {
    const agents = new AgentRegistry({ bot: "old" });
    expect(agents.identify(basic("bot", "old"))).toBe("bot");
    agents.set("bot", "new");
    expect(agents.identify(basic("bot", "old"))).toBeUndefined();
  });
});
