import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

describe("node clients through tf run (Node 20: preload for fetch and node:https)", () => {
  let setup: GithubSetup;
  let reports: ClientReport[];
  let plain: Server;
  const plainSeen: { authorization: string | undefined; agent: string | undefined }[] = [];
  beforeAll(async () => {
    // A plain-HTTP API on loopback, owned by a generic connector.
    plain = createServer((req, res) => {
      plainSeen.push({
        authorization: req.headers.authorization,
        agent: req.headers["x-tameflare-agent"] as string | undefined,
      });
      res.writeHead(200, { "content-type": "text/plain" }).end("hello over plain http");
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    setup = await githubSetup({
      extraConnectorsYaml: [
        "  - type: generic",
        "    name: local-api",
        "    domains: [localhost]",
        '    credential: { value: local-secret-7f3a, header: authorization, format: "Bearer {secret}" }',
      ].join("\n"),
      extraYaml: "  - { connector: local-api, preset: allow_all }\n",
    });
    const clients = ["https", "fetch", "axios", "http", "fetch-http"];
    const result = await runTf(
      ["run", "--agent", "node-bot", "--", "node", join(fixturesDir, "node-clients.mjs"), ...clients],
      {
        cwd: setup.ws.dir,
        env: { ...setup.env, LOCAL_API_PORT: String((plain.address() as AddressInfo).port) },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain(setup.realToken);
    reports = jsonLines(result.stdout) as unknown as ClientReport[];
  });
  afterAll(async () => {
    await setup.dispose();
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  });

  it.each(["https", "fetch", "axios"])(
    "node %s is governed: real credential upstream, dummy in the child, 403 JSON on deny",
    (client) => {
      const report = reports.find((r) => r.client === client);
      expectGoverned(report, setup);
      expectRealCredentialUpstream(setup, (report as ClientReport).env_token);
    },
  );

  it.each(["http", "fetch-http"])(
    "node %s to a plain-HTTP loopback API goes through the gateway",
    (client) => {
      const report = reports.find((r) => r.client === client) as unknown as {
        status?: number;
        body?: string;
        error?: string;
      };
      expect(report?.error).toBeUndefined();
      expect(report).toMatchObject({ status: 200, body: "hello over plain http" });
    },
  );

  it("the plain-HTTP API saw the injected credential and the agent on every request", () => {
    expect(plainSeen).toHaveLength(2);
    for (const seen of plainSeen)
      expect(seen).toEqual({ authorization: "Bearer local-secret-7f3a", agent: "node-bot" });
  });
});
