import { describe, expect, it } from "vitest";
import { runCli } from "./main.ts";

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const commands = [
  ["run"],
  ["status"],
  ["logs"],
  ["approvals"],
  ["approvals", "list"],
  ["approvals", "approve"],
  ["approvals", "deny"],
  ["kill"],
  ["resume"],
  ["policy"],
  ["policy", "check"],
  ["policy", "test"],
  ["doctor"],
  ["ca"],
  ["ca", "path"],
  ["ca", "export"],
  ["init"],
];

describe("tf --help", () => {
  it.each(commands.map((c) => ({ name: c.join(" "), argv: c })))(
    "`tf $name --help` prints usage and exits 0",
    async ({ argv }) => {
      const result = await run([...argv, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: tf ${argv.join(" ")} `));
      expect(result.stderr).toBe("");
    },
  );

  it("`tf` alone prints the command list", async () => {
    const result = await run([]);
    expect(result.code).toBe(0);
    for (const [name] of commands) expect(result.stdout).toContain(`  ${name}`);
  });
});

describe("tf usage errors", () => {
  it.each([
    { argv: ["frobnicate"], pattern: /^error: unknown command 'frobnicate'/ },
    {
      argv: ["logs", "--decision", "maybe"],
      pattern: /^error: option '--decision <decision>' argument 'maybe' is invalid/,
    },
    { argv: ["kill", "--scope", "connector"], pattern: /^error: scope `connector` needs `--target`$/ },
    {
      argv: ["policy", "test", "--config", "x.yaml"],
      pattern: /^error: give exactly one of `--action JSON`, `--request "METHOD URL"` or `--batch FILE`$/,
    },
    {
      argv: ["init", "--gateway-id", "nope", "--gateway-token", "gwtk_abcdefgh1234"],
      pattern: /expected a gateway id like `gw_…`/,
    },
  ])("`tf $argv` fails with one line and a non-zero exit", async ({ argv, pattern }) => {
    const result = await run(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(pattern);
    expect(result.stdout).toBe("");
  });
});
