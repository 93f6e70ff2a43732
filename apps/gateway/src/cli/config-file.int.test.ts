import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "./cli-error.ts";
import { chooseConfig, noConfigParagraph } from "./config-file.ts";

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tf-cfg-"));
  made.push(dir);
  return dir;
}

describe("chooseConfig", () => {
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("uses ./tameflare.yaml when no --config is given", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "tameflare.yaml"), "version: 1\n");
    expect(chooseConfig({ cwd, tfHome: join(cwd, "home") })).toEqual({
      kind: "file",
      path: join(cwd, "tameflare.yaml"),
    });
  });

  it("after tf init, the connected mode wins over ./tameflare.yaml unless --config is given", () => {
    const cwd = tempDir();
    const tfHome = join(cwd, "home");
    writeFileSync(join(cwd, "tameflare.yaml"), "version: 1\n");
    mkdirSync(tfHome);
    writeFileSync(join(tfHome, "gateway.json"), "{}\n");
    expect(chooseConfig({ cwd, tfHome })).toEqual({
      kind: "connected",
      stateFile: join(tfHome, "gateway.json"),
    });
    expect(chooseConfig({ cwd, tfHome, config: "tameflare.yaml" })).toEqual({
      kind: "file",
      path: join(cwd, "tameflare.yaml"),
    });
  });

  it("explains what to do in one paragraph (exit 2) without config or tf init", () => {
    const cwd = tempDir();
    let thrown: unknown;
    try {
      chooseConfig({ cwd, tfHome: join(cwd, "home") });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(2);
    expect((thrown as CliError).message).toBe(noConfigParagraph);
    expect(noConfigParagraph).not.toContain("\n");
    expect(noConfigParagraph).toContain("tf init --gateway-id");
  });

  it("fails with exit 2 when --config names a missing file", () => {
    const cwd = tempDir();
    expect(() => chooseConfig({ cwd, tfHome: cwd, config: "nope.yaml" })).toThrow(
      "config file not found: `nope.yaml`",
    );
  });
});
