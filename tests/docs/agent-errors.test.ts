import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentErrorCodes, agentErrorStatus, docsBaseUrl } from "../../packages/contracts/src/agent-errors.ts";

// Every body's `docs` link is `docs/agent-errors.md#<code>`: the page must have that section.
const doc = readFileSync(new URL("../../docs/agent-errors.md", import.meta.url), "utf8");
const sections = new Map<string, string>();
for (const part of doc.split(/^## /m).slice(1)) {
  const [heading = "", ...body] = part.split("\n");
  sections.set(heading.trim(), body.join("\n"));
}

describe("docs/agent-errors.md, where agent error bodies link", () => {
  it("the link names that file", () => {
    expect(docsBaseUrl.endsWith("/docs/agent-errors.md")).toBe(true);
  });

  for (const code of agentErrorCodes) {
    it(`has a section for ${code} stating its status`, () => {
      expect(sections.has(code), `a "## ${code}" heading`).toBe(true);
      expect(sections.get(code)).toContain(`**${agentErrorStatus[code]}`);
    });
  }

  it("documents no code the contract does not have", () => {
    expect([...sections.keys()].sort()).toEqual([...agentErrorCodes].sort());
  });
});
