import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type Fakes, startFakes } from "../../examples/fake-upstreams/fakes.mjs";
import { type RunningMcpServer, startMcpServer } from "../../examples/mcp-server/server.mjs";

// Each example runs as a person runs it: `tf run` from source (as `pnpm tf` does) with the
// example's own tameflare.yaml, its own TF_HOME, and the fake upstreams of examples/fake-upstreams
// on ephemeral ports (the yaml is rendered to a temp file with those ports; nothing else changes).

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const mainTs = join(repoRoot, "apps/gateway/src/cli/main.ts");
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The fixed by-hand ports of `fakes.mjs` (default `--port-base 9443`) the committed yaml files name. */
const cliPorts: Record<string, number> = { github: 9443, stripe: 9444, openai: 9445, slack: 9446 };

/** Real keys generated for this run: any leak into the agent's output or the logs fails a test. */
const keys = {
  github: `ghp_example_${randomBytes(10).toString("hex")}`,
  stripe: `sk_test_example_${randomBytes(10).toString("hex")}`,
  openai: `sk-example-${randomBytes(10).toString("hex")}`,
  slack: `xoxb-example-${randomBytes(10).toString("hex")}`,
  mcp: `mcp_example_${randomBytes(10).toString("hex")}`,
};

/** Variables the test must not hand to `tf`: the machine's proxies and options would mask what tf sets. */
const scrubbed = /^(https?_proxy|all_proxy|no_proxy|node_options|tf_home)$/i;

function tfEnv(tfHome: string, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !scrubbed.test(key)) env[key] = value;
  }
  return { ...env, TF_HOME: tfHome, ...extra };
}

function spawnTf(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", tsxLoader, mainTs, ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output; `onStderr` sees the stderr text so far after each chunk. */
function finished(child: ChildProcess, onStderr?: (text: string) => void): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    onStderr?.(stderr);
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function runTf(args: readonly string[], env: Record<string, string>): Promise<Finished> {
  return finished(spawnTf(args, env));
}

interface Step {
  step: string;
  status?: number;
  body?: unknown;
  [key: string]: unknown;
}

function jsonLines<T>(text: string): T[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as T);
}

function stepOf(steps: Step[], name: string): Step {
  const found = steps.find((s) => s.step === name);
  expect(found, `the agent printed step \`${name}\``).toBeDefined();
  return found as Step;
}

/** The 403 JSON an agent gets for a denied call (DESIGN.md, "What an agent sees"). */
function expectDenied(step: Step, action: string): void {
  expect(step.status).toBe(403);
  expect(step.body).toMatchObject({ error: { code: "denied", action } });
}

/** `tf logs --json` of a TF_HOME, reduced to what the test checks, in order. */
async function auditTrail(env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const logs = await runTf(["logs", "--json"], env);
  expect(logs.code, logs.stderr).toBe(0);
  for (const key of Object.values(keys)) expect(logs.stdout).not.toContain(key);
  return jsonLines<Record<string, unknown>>(logs.stdout);
}

interface ExampleDoc {
  connectors: { type: string; upstream?: string; domains?: string[] }[];
  upstream_ca?: string;
  [key: string]: unknown;
}

/**
 * Renders an example's committed yaml for this run: each connector's `upstream` goes to its
 * fake's ephemeral URL and `upstream_ca` to the fakes' CA; `patch` adjusts the rest. Checks first
 * that the committed file names the fakes CLI's fixed ports and CA path (the by-hand walkthrough).
 */
async function renderConfig(
  example: string,
  dir: string,
  fakes: Fakes,
  patch: (doc: ExampleDoc) => void = () => {},
): Promise<string> {
  const doc = parse(
    await readFile(join(repoRoot, "examples", example, "tameflare.yaml"), "utf8"),
  ) as ExampleDoc;
  for (const connector of doc.connectors) {
    if (connector.upstream === undefined) continue;
    expect(connector.upstream).toBe(`https://127.0.0.1:${cliPorts[connector.type]}`);
    const url = fakes.urls[connector.type as keyof Fakes["urls"]];
    expect(url, `a fake for ${connector.type}`).toBeDefined();
    connector.upstream = url as string;
  }
  if (doc.upstream_ca !== undefined) {
    expect(doc.upstream_ca).toBe("../.fakes/ca.pem");
    doc.upstream_ca = fakes.caPath;
  }
  patch(doc);
  const path = join(dir, `${example}.yaml`);
  await writeFile(path, stringify(doc));
  return path;
}

let fakes: Fakes;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "tf-examples-"));
  fakes = await startFakes({
    github: { key: keys.github },
    stripe: { key: keys.stripe },
    openai: { key: keys.openai },
    slack: { key: keys.slack },
    caPath: join(tmp, "fakes-ca.pem"),
  });
});

afterAll(async () => {
  await fakes?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe("examples/python-agent through tf run (local mode)", () => {
  let env: Record<string, string>;
  let steps: Step[];
  let run: Finished;
  let approvalId: string;
  let stdoutWhileHeld: string;
  let stripeHitsWhileHeld: number;
  let child: ChildProcess | undefined;

  afterAll(() => {
    // A failed approval would leave the held run waiting for minutes: stop it (by its handle).
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });

  beforeAll(async () => {
    const config = await renderConfig("python-agent", tmp, fakes);
    env = tfEnv(join(tmp, "home-python"), { GITHUB_TOKEN: keys.github, STRIPE_API_KEY: keys.stripe });
    child = spawnTf(
      ["run", "--agent", "py-example", "--config", config, "--", "python3", "examples/python-agent/agent.py"],
      env,
    );
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    let heldLine: (id: string) => void = () => {};
    const held = new Promise<string>((resolve) => {
      heldLine = resolve;
    });
    const done = finished(child, (stderr) => {
      const match = /tf: held stripe\.refund\.create for approval (apv_[A-Za-z0-9]+)/.exec(stderr);
      if (match?.[1] !== undefined) heldLine(match[1]);
    });
    const first = await Promise.race([held.then((id) => ({ id })), done.then((ended) => ({ ended }))]);
    if ("ended" in first) {
      throw new Error(
        `tf run ended before the refund was held (exit ${first.ended.code}): ${first.ended.stderr}`,
      );
    }
    approvalId = first.id;
    stdoutWhileHeld = stdout;
    stripeHitsWhileHeld = fakes.hits.filter((h) => h.service === "stripe").length;
    // A second process decides, as a person would from another terminal.
    const approve = await runTf(["approvals", "approve", approvalId, "--by", "example-test"], env);
    expect(approve.code, approve.stderr).toBe(0);
    run = await done;
    steps = jsonLines<Step>(run.stdout);
  });

  it("the agent exits 0 and prints every step of the fixed contract in order", () => {
    expect(run.code, run.stderr).toBe(0);
    expect(steps.map((s) => s.step)).toEqual([
      "env",
      "repo.get",
      "issue.create",
      "repo.delete",
      "refund.create",
      "done",
    ]);
  });

  it("the agent only ever saw dummies; the real keys never reach its output or tf's", () => {
    expect(stepOf(steps, "env")).toEqual({
      step: "env",
      github_token: "tf_dummy_github",
      stripe_key: "tf_dummy_stripe",
    });
    for (const key of Object.values(keys)) {
      expect(run.stdout).not.toContain(key);
      expect(run.stderr).not.toContain(key);
    }
  });

  it("allowed GitHub calls reached the fake with the real token", () => {
    expect(stepOf(steps, "repo.get")).toMatchObject({ status: 200, body: { full_name: "acme/widgets" } });
    expect(stepOf(steps, "issue.create")).toMatchObject({
      status: 201,
      body: { title: "Nightly build failed", state: "open" },
    });
    const github = fakes.hits.filter((h) => h.service === "github");
    expect(github.map((h) => [h.method, h.path, h.credential, h.agent])).toEqual([
      ["GET", "/repos/acme/widgets", "real", "py-example"],
      ["POST", "/repos/acme/widgets/issues", "real", "py-example"],
    ]);
  });

  it("the repository delete got the 403 JSON and never reached GitHub", () => {
    expectDenied(stepOf(steps, "repo.delete"), "github.repo.delete");
    expect(fakes.hits.some((h) => h.service === "github" && h.method === "DELETE")).toBe(false);
  });

  it("the refund was held (nothing reached Stripe), approved from a second process, then completed 200", () => {
    expect(jsonLines<Step>(stdoutWhileHeld).map((s) => s.step)).toEqual([
      "env",
      "repo.get",
      "issue.create",
      "repo.delete",
    ]);
    expect(stripeHitsWhileHeld).toBe(0);
    expect(stepOf(steps, "refund.create")).toMatchObject({
      status: 200,
      body: { object: "refund", amount: 5000, charge: "ch_3Nexample" },
    });
    const stripe = fakes.hits.filter((h) => h.service === "stripe");
    expect(stripe).toHaveLength(1);
    expect(stripe[0]).toMatchObject({
      method: "POST",
      path: "/v1/refunds",
      credential: "real",
      body: { amount: "5000", charge: "ch_3Nexample" },
    });
  });

  it("tf logs --json shows each call in order with its decision", async () => {
    const events = await auditTrail(env);
    expect(events.map((e) => [e.action_type, e.decision, e.status])).toEqual([
      ["github.repo.get", "allow", 200],
      ["github.issue.create", "allow", 201],
      ["github.repo.delete", "deny", 403],
      ["stripe.refund.create", "require_approval", 200],
    ]);
    expect(events.every((e) => e.agent === "py-example")).toBe(true);
    expect(events[3]).toMatchObject({ approval_id: approvalId, reason: "approved by example-test" });
  });
});

describe("examples/node-agent through tf run (local mode)", () => {
  let env: Record<string, string>;
  let config: string;
  let steps: Step[];
  let run: Finished;

  beforeAll(async () => {
    config = await renderConfig("node-agent", tmp, fakes);
    env = tfEnv(join(tmp, "home-node"), { OPENAI_API_KEY: keys.openai, SLACK_BOT_TOKEN: keys.slack });
    run = await runTf(
      ["run", "--agent", "node-example", "--config", config, "--", "node", "examples/node-agent/agent.mjs"],
      env,
    );
    steps = jsonLines<Step>(run.stdout);
  });

  it("the agent exits 0, saw only dummies, and leaks no real key", () => {
    expect(run.code, run.stderr).toBe(0);
    expect(steps.map((s) => s.step)).toEqual([
      "env",
      "chat.create",
      "message.post.alerts",
      "message.post.general",
      "done",
    ]);
    expect(stepOf(steps, "env")).toEqual({
      step: "env",
      openai_key: "tf_dummy_openai",
      slack_token: "tf_dummy_slack",
    });
    for (const key of Object.values(keys)) {
      expect(run.stdout).not.toContain(key);
      expect(run.stderr).not.toContain(key);
    }
  });

  it("the chat completion and the #eng-alerts post reached the fakes with the real keys", () => {
    expect(stepOf(steps, "chat.create")).toMatchObject({ status: 200, body: { object: "chat.completion" } });
    expect(stepOf(steps, "message.post.alerts")).toMatchObject({
      status: 200,
      body: { ok: true, channel: "#eng-alerts" },
    });
    const seen = fakes.hits.filter((h) => h.service === "openai" || h.service === "slack");
    expect(seen.map((h) => [h.service, h.path, h.credential, h.agent])).toEqual([
      ["openai", "/v1/chat/completions", "real", "node-example"],
      ["slack", "/api/chat.postMessage", "real", "node-example"],
    ]);
  });

  it("the #general post is denied by the policy condition and never reaches Slack", () => {
    const general = stepOf(steps, "message.post.general");
    expectDenied(general, "slack.message.send");
    expect(general.body).toMatchObject({
      error: { rule: "keep-general-for-people/no bot posts in general" },
    });
    expect(
      fakes.hits.some(
        (h) => h.service === "slack" && (h.body as { channel?: string }).channel === "#general",
      ),
    ).toBe(false);
  });

  it("tf logs --json shows each call in order with its decision", async () => {
    const events = await auditTrail(env);
    expect(events.map((e) => [e.action_type, e.decision, e.status])).toEqual([
      ["openai.chat.create", "allow", 200],
      ["slack.message.send", "allow", 200],
      ["slack.message.send", "deny", 403],
    ]);
  });

  it("the model allow-list in the same yaml denies another model (tf policy test)", async () => {
    const result = await runTf(
      [
        "policy",
        "test",
        "--config",
        config,
        "--request",
        "POST https://api.openai.com/v1/chat/completions",
        "-H",
        "content-type: application/json",
        "--body",
        '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
      ],
      env,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      decision: "deny",
      rule: "approved models only/gpt-4o-mini only",
    });
  });
});

describe("examples/mcp-server through tf run (local mode)", () => {
  let server: RunningMcpServer;
  let env: Record<string, string>;
  let steps: Step[];
  let run: Finished;

  beforeAll(async () => {
    server = await startMcpServer({ token: keys.mcp });
    const config = await renderConfig("mcp-server", tmp, fakes, (doc) => {
      const mcp = doc.connectors.find((c) => c.type === "mcp");
      expect(mcp?.domains).toEqual(["localhost:8765"]);
      (mcp as { domains: string[] }).domains = [`localhost:${server.port}`];
    });
    env = tfEnv(join(tmp, "home-mcp"), { MCP_SERVER_TOKEN: keys.mcp });
    run = await runTf(
      ["run", "--agent", "mcp-example", "--config", config, "--", "node", "examples/mcp-server/client.mjs"],
      { ...env, MCP_SERVER_URL: server.url },
    );
    steps = jsonLines<Step>(run.stdout);
  });

  afterAll(async () => {
    await server?.close();
  });

  it("the client exits 0 having held only the dummy token", () => {
    expect(run.code, run.stderr).toBe(0);
    expect(stepOf(steps, "env")).toEqual({ step: "env", mcp_token: "tf_dummy_records" });
    expect(run.stdout).not.toContain(keys.mcp);
    expect(run.stderr).not.toContain(keys.mcp);
  });

  it("initialize, tools/list, search and create went through with the real token injected", () => {
    expect(stepOf(steps, "initialize")).toMatchObject({
      status: 200,
      body: { result: { protocolVersion: "2025-06-18" } },
    });
    expect(stepOf(steps, "initialized").status).toBe(202);
    const listed = stepOf(steps, "tools.list").body as { result: { tools: { name: string }[] } };
    expect(listed.result.tools.map((t) => t.name)).toEqual([
      "search_records",
      "create_record",
      "delete_record",
    ]);
    expect(stepOf(steps, "tools.search_records")).toMatchObject({
      status: 200,
      body: { result: { isError: false, structuredContent: { records: [{ id: "rec_1" }] } } },
    });
    expect(stepOf(steps, "tools.create_record")).toMatchObject({
      status: 200,
      body: { result: { isError: false, structuredContent: { name: "Alan Turing" } } },
    });
    // The server answers 401 to any other token: every request it saw carried the real one.
    expect(server.hits.map((h) => [h.httpMethod, h.rpcMethod, h.tool, h.status])).toEqual([
      ["POST", "initialize", null, 200],
      ["POST", "notifications/initialized", null, 202],
      ["POST", "tools/list", null, 200],
      ["POST", "tools/call", "search_records", 200],
      ["POST", "tools/call", "create_record", 200],
      ["DELETE", null, null, 204],
    ]);
  });

  it("the destructive delete_record got the 403 JSON and never reached the server", () => {
    expectDenied(stepOf(steps, "tools.delete_record"), "mcp.tools.delete_record");
    expect(server.hits.some((h) => h.tool === "delete_record")).toBe(false);
    expect(server.records().map((r) => r.id)).toEqual(["rec_1", "rec_2", "rec_3", "rec_4"]);
  });

  it("tf logs --json shows each JSON-RPC call as its action, in order, with its decision", async () => {
    const events = await auditTrail(env);
    expect(events.map((e) => [e.action_type, e.decision, e.status])).toEqual([
      ["mcp.rpc.initialize", "allow", 200],
      ["mcp.rpc.notifications_initialized", "allow", 202],
      ["mcp.tools.list", "allow", 200],
      ["mcp.tools.search_records", "allow", 200],
      ["mcp.tools.create_record", "allow", 200],
      ["mcp.tools.delete_record", "deny", 403],
      ["mcp.session.close", "allow", 204],
    ]);
  });
});

describe("the example MCP server speaks Streamable HTTP JSON-RPC (direct, no gateway)", () => {
  let server: RunningMcpServer;
  const token = "mcp_example_direct_token";
  beforeAll(async () => {
    server = await startMcpServer({ token });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(server.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body,
    });

  it("refuses a wrong token, a missing session, a batch, bad JSON and GET; answers errors as JSON-RPC", async () => {
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
    expect((await post(init, { authorization: "Bearer tf_dummy_records" })).status).toBe(401);
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect((await post(list)).status).toBe(400);
    expect((await post(`[${init}]`)).status).toBe(400);
    const parseError = await post("{not json");
    expect(parseError.status).toBe(400);
    expect(await parseError.json()).toMatchObject({ error: { code: -32700 } });
    expect((await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
    expect((await post(init, { origin: "https://evil.example" })).status).toBe(403);

    const started = await post(init);
    expect(started.status).toBe(200);
    // An unknown requested version is answered with the server's latest.
    expect(await started.json()).toMatchObject({ id: 1, result: { protocolVersion: "2025-06-18" } });
    const session = started.headers.get("mcp-session-id") as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const inSession = { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" };
    const unknownTool = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "drop_all", arguments: {} },
      }),
      inSession,
    );
    expect(await unknownTool.json()).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32602, message: "unknown tool `drop_all`" },
    });
    const unknownMethod = await post(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "nope" }), inSession);
    expect(await unknownMethod.json()).toMatchObject({ id: 4, error: { code: -32601 } });
    const badVersion = await post(list, { ...inSession, "mcp-protocol-version": "1999-01-01" });
    expect(badVersion.status).toBe(400);
    const missing = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "delete_record", arguments: { id: "rec_99" } },
      }),
      inSession,
    );
    expect(await missing.json()).toMatchObject({ id: 5, result: { isError: true } });
    const ended = await fetch(server.url, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}`, "mcp-session-id": session },
    });
    expect(ended.status).toBe(204);
    expect((await post(list, inSession)).status).toBe(404);
  });

  it("the CLI serves on the URL it prints, with the token from the environment, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(repoRoot, "examples/mcp-server/server.mjs"), "--port", "0"], {
      env: { ...process.env, MCP_SERVER_TOKEN: keys.mcp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const done = finished(child);
    let stdout = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes("Ctrl-C to stop.")) resolve();
      });
      child.once("close", (code) => reject(new Error(`mcp server CLI exited ${code}: ${stdout}`)));
    });
    expect(stdout).not.toContain(keys.mcp);
    const url = /at (http:\/\/localhost:\d+\/mcp)/.exec(stdout)?.[1] as string;
    const answer = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.mcp}`, accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
    });
    expect(answer.status).toBe(200);
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
  });
});

describe("the fake upstreams", () => {
  it("answer a dummy or missing credential with the API's 401 JSON and record it as such", async () => {
    const before = fakes.hits.length;
    const get = (authorization?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${fakes.urls.github}/repos/acme/widgets`,
          { ca: fakes.caPem, headers: authorization === undefined ? {} : { authorization } },
          (res) => {
            let body = "";
            res.on("data", (c: Buffer) => {
              body += c.toString("utf8");
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const dummy = await get("Bearer tf_dummy_github");
    expect(dummy.status).toBe(401);
    expect(JSON.parse(dummy.body)).toMatchObject({ message: "Bad credentials" });
    expect((await get()).status).toBe(401);
    expect((await get(`token ${keys.github}`)).status).toBe(200);
    expect(fakes.hits.slice(before).map((h) => h.credential)).toEqual(["dummy", "missing", "real"]);
  });

  it("the CLI prints its URLs and CA path, never a key taken from the environment, and removes the CA on stop", async () => {
    const caPath = join(tmp, "cli", "ca.pem");
    const child = spawn(
      process.execPath,
      [join(repoRoot, "examples/fake-upstreams/fakes.mjs"), "--port-base", "0", "--ca-path", caPath],
      { env: { ...process.env, GITHUB_TOKEN: keys.github }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes("Ctrl-C to stop.")) resolve();
      });
      child.once("close", (code) => reject(new Error(`fakes CLI exited ${code}: ${stdout}`)));
    });
    const done = finished(child);
    await ready;
    expect(stdout).toMatch(/github +https:\/\/127\.0\.0\.1:\d+ +expects the key in \$GITHUB_TOKEN/);
    expect(stdout).toContain("export STRIPE_API_KEY=sk_test_example_real_key");
    expect(stdout).toContain(`CA certificate: ${caPath}`);
    expect(stdout).not.toContain(keys.github);
    expect(await readFile(caPath, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
    expect(existsSync(caPath)).toBe(false);
  });
});
