import type { AuditEvent } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../ports/audit-sink.ts";
import { Exchange, Recorder } from "./exchange.ts";

/** A sink that keeps what it was given. */
function capture(): { entries: AuditEntry[]; sink: ConstructorParameters<typeof Recorder>[0] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    sink: {
      append: async (entry) => {
        entries.push(entry);
        return entry as unknown as AuditEvent;
      },
      close: async () => {},
    },
  };
}

describe("Recorder", () => {
  it("records text an agent chose (an action name from its body) in a form the trail can store", async () => {
    const { entries, sink } = capture();
    const x = new Exchange("POST", "mcp.example.com", "/mcp");
    x.agent = "coder";
    x.actionType = "mcp.tools.call:evil\u0000name";
    x.reason = "lone \ud800 surrogate";
    await new Recorder(sink, () => {}, false).record(x);
    expect(entries[0]).toMatchObject({
      agent: "coder",
      action_type: "mcp.tools.call:evil\uFFFDname",
      reason: "lone \uFFFD surrogate",
      path: "/mcp",
    });
  });

  it("cuts a long field without leaving half of a surrogate pair", async () => {
    const { entries, sink } = capture();
    const x = new Exchange("GET", "api.example.com", `/${"a".repeat(4094)}🚀`);
    x.agent = "coder";
    await new Recorder(sink, () => {}, false).record(x);
    const path = entries[0]?.path ?? "";
    expect(path).toHaveLength(4096);
    expect(path.isWellFormed()).toBe(true);
    expect(path.endsWith("a\uFFFD")).toBe(true);
  });
});
