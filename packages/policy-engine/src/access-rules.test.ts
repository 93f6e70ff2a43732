import type { AccessRule } from "@tameflare/contracts";
import { describe, expect, it } from "vitest";
import { AccessIndex } from "./access-rules.ts";
import type { LocatedError } from "./errors.ts";

function index(rules: AccessRule[]) {
  const errors: LocatedError[] = [];
  const built = AccessIndex.build(rules, new Set(["github", "stripe"]), errors);
  return { built, errors };
}

function decide(rules: AccessRule[], type: string, read = false, connector = "github") {
  const { built, errors } = index(rules);
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  return built.decide({ type, connector, read });
}

describe("access rules: the most specific rule wins", () => {
  it.each([
    {
      name: "exact beats a glob",
      rules: [
        { connector: "github", action: "github.pr.*", decision: "deny" },
        { connector: "github", action: "github.pr.merge", decision: "allow" },
      ],
      type: "github.pr.merge",
      decision: "allow",
      rule: "github.pr.merge",
    },
    {
      name: "a longer literal prefix beats a shorter one",
      rules: [
        { connector: "github", action: "github.*", decision: "deny" },
        { connector: "github", action: "github.pr.*", decision: "allow" },
      ],
      type: "github.pr.merge",
      decision: "allow",
      rule: "github.pr.*",
    },
    {
      name: "fewer wildcards win at an equal prefix",
      rules: [
        { connector: "github", action: "github.*.*", decision: "allow" },
        { connector: "github", action: "github.*.merge", decision: "require_approval" },
      ],
      type: "github.pr.merge",
      decision: "require_approval",
      rule: "github.*.merge",
    },
    {
      name: "deny wins at equal specificity",
      rules: [
        { connector: "github", action: "github.pr.*", decision: "allow" },
        { connector: "github", action: "github.pr.*", decision: "deny" },
      ],
      type: "github.pr.merge",
      decision: "deny",
      rule: "github.pr.*",
    },
    {
      name: "require_approval beats allow at equal specificity",
      rules: [
        { connector: "github", action: "github.pr.merge", decision: "allow" },
        { connector: "github", action: "github.pr.merge", decision: "require_approval" },
      ],
      type: "github.pr.merge",
      decision: "require_approval",
      rule: "github.pr.merge",
    },
    {
      name: "a pattern beats the connector's preset",
      rules: [
        { connector: "github", preset: "read_only" },
        { connector: "github", action: "github.pr.*", decision: "allow" },
      ],
      type: "github.pr.merge",
      decision: "allow",
      rule: "github.pr.*",
    },
    {
      name: "the preset decides when no pattern matches",
      rules: [
        { connector: "github", preset: "read_only" },
        { connector: "github", action: "github.pr.*", decision: "allow" },
      ],
      type: "github.issue.create",
      decision: "deny",
      rule: "preset:read_only",
    },
  ] satisfies { name: string; rules: AccessRule[]; type: string; decision: string; rule: string }[])(
    "$name",
    ({ rules, type, decision, rule }) => {
      const verdict = decide(rules, type);
      expect(verdict?.decision).toBe(decision);
      expect(verdict?.reason.rule).toBe(rule);
      expect(verdict?.reason.source).toBe("access_rule");
    },
  );
});

describe("access rules: presets", () => {
  it.each([
    { preset: "allow_all", read: false, decision: "allow" },
    { preset: "read_only", read: true, decision: "allow" },
    { preset: "read_only", read: false, decision: "deny" },
    { preset: "require_approval", read: true, decision: "require_approval" },
  ] as const)("$preset on a read=$read action gives $decision", ({ preset, read, decision }) => {
    expect(decide([{ connector: "github", preset }], "github.repo.get", read)?.decision).toBe(decision);
  });

  it("gives no verdict for a connector without rules, or when no pattern matches and there is no preset", () => {
    const rules: AccessRule[] = [{ connector: "github", action: "github.pr.*", decision: "allow" }];
    expect(decide(rules, "stripe.charge.create", false, "stripe")).toBeUndefined();
    expect(decide(rules, "github.issue.create")).toBeUndefined();
  });

  it("applies a rule only to actions of its own connector", () => {
    const rules: AccessRule[] = [{ connector: "github", action: "*", decision: "allow" }];
    expect(decide(rules, "github.repo.get", false, "stripe")).toBeUndefined();
  });

  it.each([
    {
      name: "explains a read-only denial",
      rules: [{ connector: "github", preset: "read_only" }],
      type: "github.issue.create",
      text: "denied: connector `github` is read-only and `github.issue.create` is a write",
    },
    {
      name: "explains a glob match",
      rules: [{ connector: "github", action: "github.pr.*", decision: "allow" }],
      type: "github.pr.merge",
      text: "allowed: access rule `github.pr.*` on connector `github` matches `github.pr.merge`",
    },
    {
      name: "explains an exact rule",
      rules: [{ connector: "github", action: "github.repo.delete", decision: "deny" }],
      type: "github.repo.delete",
      text: "denied: access rule `github.repo.delete` on connector `github`",
    },
  ] satisfies { name: string; rules: AccessRule[]; type: string; text: string }[])(
    "$name",
    ({ rules, type, text }) => {
      expect(decide(rules, type)?.reason.explanation).toBe(text);
    },
  );
});

describe("access rules: compile errors", () => {
  it.each([
    {
      name: "an unknown connector",
      rules: [{ connector: "gh", action: "github.*", decision: "allow" }],
      error: {
        segments: ["access_rules", 0, "connector"],
        message: "access rule `github.*`: unknown connector `gh`",
      },
    },
    {
      name: "a bad glob",
      rules: [{ connector: "github", action: "github.**", decision: "allow" }],
      error: {
        segments: ["access_rules", 0, "action"],
        message:
          "access rule `github.**`: action pattern `github.**` has `**`; one `*` already matches any run of characters",
      },
    },
    {
      name: "two presets on one connector",
      rules: [
        { connector: "github", preset: "allow_all" },
        { connector: "github", preset: "read_only" },
      ],
      error: {
        segments: ["access_rules", 1, "preset"],
        message:
          "access rule `read_only`: connector `github` already has the preset `allow_all`; give a connector at most one preset",
      },
    },
    {
      name: "a preset with a pattern",
      rules: [{ connector: "github", preset: "read_only", action: "github.*" }],
      error: {
        segments: ["access_rules", 0, "action"],
        message:
          "access rule `read_only`: give either a `preset` or an `action` pattern with a `decision`, not both",
      },
    },
  ] satisfies { name: string; rules: AccessRule[]; error: LocatedError }[])(
    "reports $name",
    ({ rules, error }) => {
      expect(index(rules).errors).toEqual([error]);
    },
  );
});
