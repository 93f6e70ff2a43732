import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClientReport,
  expectGoverned,
  expectRealCredentialUpstream,
  type GithubSetup,
  githubSetup,
} from "./support/github-setup.ts";
import { jsonLines, runTf } from "./support/tf.ts";

// One shell through `tf run`: curl calls the fake GitHub (allowed GET, denied DELETE) and
// reports as JSON. `%{http_code}` separates the status from the body.
const script = `
set -e
call() {
  curl -sS -o body.txt -w '%{http_code}' -X "$1" -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/repos/acme/widgets
}
a=$(call GET); ab=$(cat body.txt)
d=$(call DELETE); db=$(cat body.txt)
node -e 'const [t, as, ab, ds, db] = process.argv.slice(1); console.log(JSON.stringify({client: "curl", env_token: t, allowed_status: Number(as), allowed_body: ab, denied_status: Number(ds), denied_body: db}))' "$GITHUB_TOKEN" "$a" "$ab" "$d" "$db"
`;

describe("curl through tf run", () => {
  let setup: GithubSetup;
  beforeAll(async () => {
    setup = await githubSetup();
  });
  afterAll(async () => {
    await setup.dispose();
  });

  it("curl is governed: real credential upstream, dummy in the child, 403 JSON on deny", async () => {
    const result = await runTf(["run", "--agent", "curl-bot", "--", "sh", "-c", script], {
      cwd: setup.ws.dir,
      env: setup.env,
    });
    expect(result.stderr).not.toContain(setup.realToken);
    expect(result.code, result.stderr).toBe(0);
    const report = jsonLines(result.stdout)[0] as ClientReport | undefined;
    expectGoverned(report, setup);
    expectRealCredentialUpstream(setup, (report as ClientReport).env_token);
    expect(setup.upstream.seen.every((r) => r.agent === "curl-bot")).toBe(true);
  });
});
