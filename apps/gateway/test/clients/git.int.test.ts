import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialOf, type GithubSetup, githubSetup } from "./support/github-setup.ts";
import { makeWorkspace, runTf, type Workspace } from "./support/tf.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args],
    {
      cwd,
      stdio: "pipe",
    },
  ).toString();

describe("git over HTTPS through tf run (github connector, git smart HTTP)", () => {
  let repos: Workspace;
  let setup: GithubSetup;
  beforeAll(async () => {
    repos = await makeWorkspace("tf-git-");
    const bare = join(repos.dir, "acme", "widgets.git");
    mkdirSync(bare, { recursive: true });
    git(bare, "init", "--bare", "-q");
    const work = join(repos.dir, "seed");
    mkdirSync(work);
    git(work, "init", "-q");
    execFileSync("sh", ["-c", "echo 'hello from the fake github' > README.md"], { cwd: work });
    git(work, "add", "README.md");
    git(work, "commit", "-q", "-m", "seed");
    git(work, "push", "-q", bare, "HEAD:refs/heads/main");
    git(bare, "symbolic-ref", "HEAD", "refs/heads/main");
    setup = await githubSetup({ gitRoot: repos.dir });
  });
  afterAll(async () => {
    await setup.dispose();
    await repos.dispose();
  });

  it("git clone is governed: fetched through the gateway with the real credential; a push is denied with 403", async () => {
    const script = [
      'echo "TOKEN=$GITHUB_TOKEN"',
      "git clone -q https://github.com/acme/widgets.git clone",
      "cd clone",
      "git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m change",
      "git push -q origin HEAD:main 2>push.err && echo PUSH=ok || { echo PUSH=failed; cat push.err; }",
    ].join(" && ");
    const result = await runTf(["run", "--agent", "git-bot", "--", "sh", "-c", script], {
      cwd: setup.ws.dir,
      env: { ...setup.env, GIT_TERMINAL_PROMPT: "0" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(setup.ws.dir, "clone", "README.md"), "utf8")).toBe(
      "hello from the fake github\n",
    );

    const token = /TOKEN=(\S+)/.exec(result.stdout)?.[1];
    expect(token).toBeDefined();
    expect(token).not.toBe(setup.realToken);

    const fetches = setup.upstream.seen.filter((r) => r.path.includes("upload-pack"));
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    for (const request of fetches) {
      expect(credentialOf(request.authorization)).toBe(setup.realToken);
      expect(request.agent).toBe("git-bot");
    }

    // Every tunnel carried the proxy credentials up front (no 407 round trip per connection).
    const logs = await runTf(["logs", "--json"], { cwd: setup.ws.dir, env: setup.env });
    expect(logs.stdout).not.toContain('"error_code":"proxy_auth"');

    expect(result.stdout).toContain("PUSH=failed");
    expect(result.stdout).toContain("403");
    expect(setup.upstream.seen.some((r) => r.path.includes("receive-pack"))).toBe(false);
  });
});
