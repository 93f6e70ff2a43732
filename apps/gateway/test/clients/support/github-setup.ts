import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream.ts";
import { makeWorkspace, prepareTf, tfEnv, type Workspace } from "./tf.ts";

/** One fake GitHub behind one policy document, shared by a test file's clients. */
export interface GithubSetup {
  upstream: FakeUpstream;
  ws: Workspace;
  realToken: string;
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function githubSetup(
  options: { gitRoot?: string; extraYaml?: string; extraConnectorsYaml?: string } = {},
): Promise<GithubSetup> {
  await prepareTf();
  const upstream = await startFakeUpstream(options.gitRoot === undefined ? {} : { gitRoot: options.gitRoot });
  const ws = await makeWorkspace();
  const realToken = `ghp_real${randomBytes(12).toString("hex")}`;
  await ws.writeConfig(
    [
      "version: 1",
      "gateway: { name: client-tests, enforcement: full }",
      "connectors:",
      "  - type: github",
      "    credential: { env: GITHUB_TOKEN }",
      `    upstream: https://localhost:${upstream.port}`,
      options.extraConnectorsYaml ?? "",
      `upstream_ca: ${JSON.stringify(upstream.caFile)}`,
      "access_rules:",
      "  - { connector: github, preset: read_only }",
      "  - { connector: github, action: github.repo.delete, decision: deny }",
      options.extraYaml ?? "",
    ].join("\n"),
  );
  return {
    upstream,
    ws,
    realToken,
    env: tfEnv(ws.tfHome, { GITHUB_TOKEN: realToken }),
    dispose: async () => {
      await upstream.close();
      await ws.dispose();
    },
  };
}

/** What each client reported (one JSON line per client). */
export interface ClientReport {
  client: string;
  env_token: string;
  allowed_status: number;
  allowed_body: string;
  denied_status: number;
  denied_body: string;
  error?: string;
}

/**
 * The guarantees every real client must show: the allowed call went through with the real
 * credential injected, the child only ever held the dummy, and the denied call got the 403 JSON.
 */
export function expectGoverned(report: ClientReport | undefined, setup: GithubSetup): void {
  expect(report, "the client printed its report").toBeDefined();
  const r = report as ClientReport;
  expect(r.error).toBeUndefined();
  expect(r.env_token).not.toBe(setup.realToken);
  expect(r.env_token).not.toBe("");
  expect(r.allowed_status).toBe(200);
  expect(JSON.parse(r.allowed_body)).toMatchObject({ ok: true, method: "GET", path: "/repos/acme/widgets" });
  expect(r.denied_status).toBe(403);
  const denied = JSON.parse(r.denied_body) as { error: { code: string; action?: string } };
  expect(denied.error.code).toBe("denied");
  expect(denied.error.action).toBe("github.repo.delete");
  expect(JSON.stringify(r)).not.toContain(setup.realToken);
}

/** The secret inside an Authorization value (`Bearer x`, `token x`, or Basic `user:x` as git sends it). */
export function credentialOf(authorization: string | undefined): string {
  if (authorization === undefined) return "";
  const [scheme, value = ""] = authorization.split(/\s+/, 2);
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return value;
}

/** The fake saw the real credential on every request and never the dummy. */
export function expectRealCredentialUpstream(setup: GithubSetup, dummy: string): void {
  expect(setup.upstream.seen.length).toBeGreaterThan(0);
  for (const request of setup.upstream.seen) {
    expect(credentialOf(request.authorization)).toBe(setup.realToken);
    expect(JSON.stringify(request.headers)).not.toContain(dummy);
  }
  // The denied DELETE never reached the upstream.
  expect(setup.upstream.seen.some((r) => r.method === "DELETE")).toBe(false);
}
