import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, prepareTf, runTf, tfEnv, type Workspace } from "./support/tf.ts";

describe("tf doctor", () => {
  let ws: Workspace;
  beforeAll(async () => {
    await prepareTf();
    ws = await makeWorkspace();
    // A curl that pins its CA bundle to the system roots, as a stray ~/.curlrc would.
    const bin = join(ws.dir, "bin");
    await mkdir(bin);
    await writeFile(
      join(bin, "curl"),
      '#!/bin/sh\nCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt exec /usr/bin/curl "$@"\n',
    );
    await chmod(join(bin, "curl"), 0o755);
  });
  afterAll(async () => {
    await ws.dispose();
  });

  it("proves each runtime goes through the gateway, and names the fix for one that does not", async () => {
    const env = tfEnv(ws.tfHome);
    const result = await runTf(["doctor"], {
      cwd: ws.dir,
      env: { ...env, PATH: `${join(ws.dir, "bin")}:${env.PATH}` },
    });

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^✗ curl: does not trust the gateway's ca$/m);
    expect(result.stdout).toMatch(/^ {4}fix: set CURL_CA_BUNDLE=\S+ca-bundle-[0-9a-f]+\.pem/m);
    for (const line of [
      "✓ node fetch()",
      "✓ node https",
      "✓ git",
      "✓ /usr/bin/python3 requests",
      "✓ /usr/bin/python3 httpx",
      "✓ /usr/bin/python3 urllib",
    ]) {
      expect(result.stdout).toContain(line);
    }
    // The python3 first on PATH has requests (and urllib); httpx is reported for it either way.
    expect(result.stdout).toMatch(/^✓ \S+python3 requests$/m);
    expect(result.stdout).toMatch(/^(✓|-) \S+python3 httpx/m);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("1 runtime(s) bypass or distrust the gateway.");
  });
});
