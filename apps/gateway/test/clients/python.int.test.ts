import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClientReport,
  expectGoverned,
  expectRealCredentialUpstream,
  type GithubSetup,
  githubSetup,
} from "./support/github-setup.ts";
import { fixturesDir, jsonLines, runTf } from "./support/tf.ts";

// `python3` first on PATH has requests only; Debian's /usr/bin/python3 has httpx (and urllib).
const script = join(fixturesDir, "python-clients.py");

describe("python clients through tf run", () => {
  let setup: GithubSetup;
  let reports: ClientReport[];
  beforeAll(async () => {
    setup = await githubSetup();
    const shell = `python3 "${script}" requests && /usr/bin/python3 "${script}" httpx && /usr/bin/python3 "${script}" urllib`;
    const result = await runTf(["run", "--agent", "py-bot", "--", "sh", "-c", shell], {
      cwd: setup.ws.dir,
      env: setup.env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain(setup.realToken);
    reports = jsonLines(result.stdout) as unknown as ClientReport[];
  });
  afterAll(async () => {
    await setup.dispose();
  });

  it.each(["requests", "httpx", "urllib"])(
    "python %s is governed: real credential upstream, dummy in the child, 403 JSON on deny",
    (client) => {
      const report = reports.find((r) => r.client === client);
      expectGoverned(report, setup);
      expectRealCredentialUpstream(setup, (report as ClientReport).env_token);
    },
  );

  it("every request reached the upstream as the run's agent", () => {
    expect(setup.upstream.seen).toHaveLength(3);
    expect(setup.upstream.seen.every((r) => r.agent === "py-bot")).toBe(true);
  });
});
