import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { noConfigParagraph } from "../../src/cli/config-file.ts";
import { type GithubSetup, githubSetup } from "./support/github-setup.ts";
import {
  collect,
  jsonLines,
  makeWorkspace,
  prepareTf,
  runTf,
  spawnTf,
  tfEnv,
  type Workspace,
  waitForOutput,
} from "./support/tf.ts";

beforeAll(prepareTf);

describe("tf run: process behaviour", () => {
  let ws: Workspace;
  let env: Record<string, string>;
  beforeAll(async () => {
    ws = await makeWorkspace();
    await ws.writeConfig("version: 1\n");
    env = tfEnv(ws.tfHome);
  });
  afterAll(async () => {
    await ws.dispose();
  });

  it("passes the child's exit code through", async () => {
    const result = await runTf(["run", "--", "sh", "-c", "exit 7"], { cwd: ws.dir, env });
    expect(result.code).toBe(7);
  });

  it("forwards SIGTERM to the child and returns its exit code", async () => {
    const child = spawnTf(
      [
        "run",
        "--",
        "node",
        "-e",
        "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);",
      ],
      { cwd: ws.dir, env },
    );
    const done = collect(child);
    await waitForOutput(child.stdout as NodeJS.ReadableStream, /ready/);
    child.kill("SIGTERM");
    const result = await done;
    expect(result.stdout).toContain("child got SIGTERM");
    expect(result.code).toBe(0);
  });

  it("exits 128 + signal when the forwarded signal kills the child", async () => {
    const child = spawnTf(["run", "--", "sh", "-c", "echo ready; exec sleep 30"], { cwd: ws.dir, env });
    const done = collect(child);
    await waitForOutput(child.stdout as NodeJS.ReadableStream, /ready/);
    child.kill("SIGTERM");
    expect((await done).code).toBe(143);
  });

  it("exits 127 with one line when the command does not exist", async () => {
    const result = await runTf(["run", "--", "tf-no-such-command"], { cwd: ws.dir, env });
    expect(result.code).toBe(127);
    expect(result.stderr.trim()).toBe("error: command not found: `tf-no-such-command`");
  });

  it("without a config or tf init, prints the one paragraph that says what to do and exits 2", async () => {
    const empty = await makeWorkspace();
    try {
      const result = await runTf(["run", "--", "true"], { cwd: empty.dir, env: tfEnv(empty.tfHome) });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(noConfigParagraph);
    } finally {
      await empty.dispose();
    }
  });
});

describe("tf policy", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await makeWorkspace();
  });
  afterAll(async () => {
    await ws.dispose();
  });

  it("policy check prints FILE:LINE: path: message for a bad document and exits 1", async () => {
    await writeFile(
      join(ws.dir, "bad.yaml"),
      [
        "version: 1",
        "connectors:",
        "  - type: github",
        "access_rules:",
        "  - connector: github",
        "    decision: alow",
        "    action: github.pr.*",
        "",
      ].join("\n"),
    );
    const result = await runTf(["policy", "check", "bad.yaml"], { cwd: ws.dir, env: tfEnv(ws.tfHome) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^bad\.yaml:6: access_rules\[0\]\.decision: .+$/m);
  });

  it("policy check accepts a valid document", async () => {
    await writeFile(join(ws.dir, "good.yaml"), "version: 1\nconnectors:\n  - type: github\n");
    const result = await runTf(["policy", "check", "good.yaml"], { cwd: ws.dir, env: tfEnv(ws.tfHome) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("good.yaml: ok");
  });

  it("policy test prints the decision JSON with the matching rule and its explanation", async () => {
    await writeFile(
      join(ws.dir, "policy.yaml"),
      [
        "version: 1",
        "connectors:",
        "  - type: github",
        "access_rules:",
        "  - { connector: github, preset: read_only }",
        "  - { connector: github, action: github.repo.delete, decision: deny }",
        "",
      ].join("\n"),
    );
    const denied = await runTf(
      [
        "policy",
        "test",
        "--config",
        "policy.yaml",
        "--request",
        "DELETE https://api.github.com/repos/acme/widgets",
      ],
      { cwd: ws.dir, env: tfEnv(ws.tfHome) },
    );
    expect(denied.code, denied.stderr).toBe(0);
    const out = JSON.parse(denied.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ action: { type: "github.repo.delete" }, decision: "deny", enforced: "deny" });
    expect(out.rule).toBeDefined();
    expect(typeof out.explanation).toBe("string");

    const allowed = await runTf(
      [
        "policy",
        "test",
        "--config",
        "policy.yaml",
        "--action",
        '{"type":"github.repo.get","connector":"github","read":true}',
      ],
      { cwd: ws.dir, env: tfEnv(ws.tfHome) },
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ decision: "allow" });
  });
});

describe("tf approvals, kill, resume, status and logs against a running tf run", () => {
  let setup: GithubSetup;
  beforeAll(async () => {
    setup = await githubSetup({
      extraYaml: "  - { connector: github, action: github.issue.create, decision: require_approval }\n",
    });
  });
  afterAll(async () => {
    await setup.dispose();
  });

  const approvalFiles = () => {
    const dir = join(setup.ws.tfHome, "approvals");
    return existsSync(dir) ? readdirSync(dir).filter((n) => /^apv_[A-Za-z0-9]+\.json$/.test(n)) : [];
  };

  it("tf approvals approve from another process releases a held request", async () => {
    const held = spawnTf(
      [
        "run",
        "--agent",
        "held-bot",
        "--",
        "curl",
        "-sS",
        "-w",
        "\\nSTATUS %{http_code}\\n",
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        '{"title":"hi"}',
        "https://api.github.com/repos/acme/widgets/issues",
      ],
      { cwd: setup.ws.dir, env: setup.env },
    );
    const done = collect(held);
    await vi.waitFor(() => expect(approvalFiles()).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const id = (approvalFiles()[0] as string).replace(/\.json$/, "");

    const listed = await runTf(["approvals", "list"], { cwd: setup.ws.dir, env: setup.env });
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("github.issue.create");
    const status = await runTf(["status"], { cwd: setup.ws.dir, env: setup.env });
    expect(status.stdout).toContain("Pending approvals: 1");
    expect(status.stdout).toMatch(/Gateways: 1 running/);

    const approved = await runTf(["approvals", "approve", id, "--note", "ok by test", "--by", "tester"], {
      cwd: setup.ws.dir,
      env: setup.env,
    });
    expect(approved.code, approved.stderr).toBe(0);
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("STATUS 200");
    expect(
      setup.upstream.seen.some((r) => r.method === "POST" && r.path === "/repos/acme/widgets/issues"),
    ).toBe(true);

    const again = await runTf(["approvals", "deny", id], { cwd: setup.ws.dir, env: setup.env });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`error: approval \`${id}\` is already approved`);
  });

  it("tf kill stops the next request with the kill-switch 403; tf resume lifts it; status shows both", async () => {
    const kill = await runTf(["kill", "--reason", "incident 42"], { cwd: setup.ws.dir, env: setup.env });
    expect(kill.stdout.trim()).toBe("Kill switch: ACTIVE (scope: global, reason: incident 42)");
    const status = await runTf(["status"], { cwd: setup.ws.dir, env: setup.env });
    expect(status.stdout).toContain("Kill switch: ACTIVE (scope: global, reason: incident 42)");

    const curl = ["curl", "-sS", "-i", "https://api.github.com/repos/acme/widgets"];
    const blocked = await runTf(["run", "--", ...curl], { cwd: setup.ws.dir, env: setup.env });
    expect(blocked.stdout).toMatch(/^HTTP\/1\.1 403/m);
    expect(blocked.stdout.toLowerCase()).toContain("x-tameflare-kill-switch: active");
    expect(blocked.stdout).toContain('"kill_switch"');

    const resume = await runTf(["resume"], { cwd: setup.ws.dir, env: setup.env });
    expect(resume.stdout.trim()).toBe("Resumed: lifted 1 kill switch.");
    const after = await runTf(["run", "--", ...curl], { cwd: setup.ws.dir, env: setup.env });
    expect(after.stdout).toMatch(/^HTTP\/1\.1 200/m);
    expect(after.stderr).not.toMatch(/req_\S+ agent=/);
    // --verbose adds one line per request (without it the gateway does not even build them).
    const verbose = await runTf(["run", "--verbose", "--", ...curl], { cwd: setup.ws.dir, env: setup.env });
    expect(verbose.stdout).toMatch(/^HTTP\/1\.1 200/m);
    expect(verbose.stderr).toMatch(
      /^tf: req_\S+ agent=default GET api\.github\.com github\.repo\.get allow 200 /m,
    );
    const statusAfter = await runTf(["status"], { cwd: setup.ws.dir, env: setup.env });
    expect(statusAfter.stdout).toContain("Kill switch: off");
    expect(statusAfter.stdout).toContain("Config: tameflare.yaml: valid");
  });

  it("tf logs reads the audit spool with filters, as a table or JSON", async () => {
    const json = await runTf(["logs", "--json"], { cwd: setup.ws.dir, env: setup.env });
    const events = jsonLines(json.stdout);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(json.stdout).not.toContain(setup.realToken);
    const denied = await runTf(["logs", "--json", "--decision", "deny", "--since", "1h"], {
      cwd: setup.ws.dir,
      env: setup.env,
    });
    const deniedEvents = jsonLines(denied.stdout);
    expect(deniedEvents.length).toBeGreaterThanOrEqual(1);
    expect(deniedEvents.every((e) => e.decision === "deny")).toBe(true);
    const table = await runTf(["logs", "--agent", "held-bot"], { cwd: setup.ws.dir, env: setup.env });
    expect(table.stdout.split("\n")[0]).toMatch(/^TIME\s+AGENT\s+DECISION/);
    expect(table.stdout).toContain("github.issue.create");
  });
});

describe("tf logs --follow and tf ca", () => {
  let setup: GithubSetup;
  beforeAll(async () => {
    setup = await githubSetup();
  });
  afterAll(async () => {
    await setup.dispose();
  });

  it("tf logs --follow prints a new event as a gateway records it, and stops on SIGINT", async () => {
    const follower = spawnTf(["logs", "--follow", "--json", "--agent", "follow-bot"], {
      cwd: setup.ws.dir,
      env: setup.env,
    });
    const done = collect(follower);
    const seen = waitForOutput(follower.stdout as NodeJS.ReadableStream, /"agent":"follow-bot"/);
    const call = await runTf(
      ["run", "--agent", "follow-bot", "--", "curl", "-sS", "https://api.github.com/repos/acme/widgets"],
      {
        cwd: setup.ws.dir,
        env: setup.env,
      },
    );
    expect(call.code, call.stderr).toBe(0);
    const line = (await seen).split("\n").find((l) => l.includes("follow-bot")) as string;
    expect(JSON.parse(line)).toMatchObject({
      agent: "follow-bot",
      action_type: "github.repo.get",
      decision: "allow",
      status: 200,
    });
    follower.kill("SIGINT");
    expect((await done).code).toBe(0);
  });

  it("tf ca path and tf ca export give the gateway CA certificate", async () => {
    const path = await runTf(["ca", "path"], { cwd: setup.ws.dir, env: setup.env });
    expect(path.stdout.trim()).toBe(join(setup.ws.tfHome, "ca", "ca.crt"));
    const exported = await runTf(["ca", "export"], { cwd: setup.ws.dir, env: setup.env });
    expect(exported.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(exported.stdout).not.toContain("PRIVATE KEY");
  });
});

describe("tf: help and errors", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await makeWorkspace();
  });
  afterAll(async () => {
    await ws.dispose();
  });

  it("the bundle prints help (every command's --help is covered in-process by main.test.ts)", async () => {
    const result = await runTf(["run", "--help"], { cwd: ws.dir, env: tfEnv(ws.tfHome) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tf run \[options\] -- <command> \[args...\]/);
  });

  it("a bad argument is one lowercase line on stderr and a non-zero exit, never a stack", async () => {
    const cases = [
      ["approvals", "approve", "nope"],
      ["logs", "--since", "yesterday-ish"],
    ];
    const results = await Promise.all(cases.map((c) => runTf(c, { cwd: ws.dir, env: tfEnv(ws.tfHome) })));
    for (const result of results) {
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: [a-z`]/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("tf init with an unreachable API is one clear line and exit 1, and writes nothing", async () => {
    const result = await runTf(
      [
        "init",
        "--gateway-id",
        "gw_abcdefgh1234",
        "--gateway-token",
        "gwtk_abcdefgh1234",
        "--api-url",
        "http://127.0.0.1:1",
      ],
      {
        cwd: ws.dir,
        env: tfEnv(ws.tfHome),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: cannot reach the API at http:\/\/127\.0\.0\.1:1/);
    expect(existsSync(join(ws.tfHome, "gateway.json"))).toBe(false);
  });
});
