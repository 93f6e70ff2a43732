// The golden path (issue 7), twice: on the e2e stack's real Postgres + Redis, and on the
// embedded mode started the way the README says (`pnpm install && pnpm start`) from a clean
// clone in a temporary folder. In each: sign up in the browser → a gateway with GitHub and
// Stripe connectors (credentials into the vault) → `tf init` (the bundled CLI, as published)
// with the shown id and token → `tf run -- python3 examples/python-agent/agent.py` against
// fake GitHub/Stripe over HTTPS → allowed calls carry the real keys, the agent only saw
// dummies → the denied call gets the 403 JSON → the held refund is posted to a fake Slack,
// whose approve link is opened and confirmed → the agent's call completes → the audit page
// shows every call in order with the right decisions, and the chain verifies.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { mintEphemeralTls } from "../../apps/gateway/src/runtime/ephemeral-tls.ts";
import { type E2eSpec, type SpecContext, waitFor } from "./harness.ts";
import { freePort, repoRoot, startStack } from "./stack.ts";

const password = "correct horse battery staple";
const agentScript = join(repoRoot, "examples/python-agent/agent.py");

// ───────────── fakes: GitHub + Stripe over HTTPS (one server, routed by path), Slack ─────────────

interface ApiHit {
  api: "github" | "stripe";
  method: string;
  path: string;
  /** Whether the real key arrived (the value itself is never kept). */
  realKey: boolean;
  /** Whether a `tf_dummy_…` value arrived (it must not: the gateway replaces it). */
  dummy: boolean;
}

interface FakeApis {
  url: string;
  caPem: string;
  hits: ApiHit[];
  close(): Promise<void>;
}

/** Answers like GitHub (`/repos/…`) and Stripe (`/v1/…`), 401 unless the real key arrived. */
async function startFakeApis(keys: { github: string; stripe: string }): Promise<FakeApis> {
  const tls = await mintEphemeralTls(["localhost", "127.0.0.1"], "golden path fakes");
  const hits: ApiHit[] = [];
  const server = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const path = req.url ?? "/";
    const api = path.startsWith("/v1/") ? "stripe" : "github";
    const authorization = req.headers.authorization ?? "";
    const realKey = authorization.includes(keys[api]);
    hits.push({ api, method: req.method ?? "", path, realKey, dummy: authorization.includes("tf_dummy") });
    req.resume();
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!realKey) return send(401, { message: "Bad credentials" });
      if (api === "stripe")
        return send(200, { id: "re_golden", object: "refund", amount: 5000, status: "succeeded" });
      if (req.method === "POST") return send(201, { number: 7, title: "Nightly build failed" });
      return send(200, { full_name: "acme/widgets", private: false });
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    caPem: tls.caPem,
    hits,
    close: () => closeServer(server),
  };
}

interface FakeSlack {
  url: string;
  messages: string[];
  close(): Promise<void>;
}

/** Slack's Web API as far as TameFlare uses it: records every chat.postMessage body. */
async function startFakeSlack(): Promise<FakeSlack> {
  const messages: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      if (req.url?.endsWith("/chat.postMessage")) messages.push(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, channel: "C0APPROVALS", ts: `${Date.now() / 1000}` }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, messages, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ───────────── processes ─────────────

interface Proc {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Waits for a line matching `pattern` on stdout. */
  line(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Its exit code once it has exited and its stdout and stderr are read to their end. */
  closed: Promise<number | null>;
  stop(): Promise<void>;
}

function startProc(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Proc {
  // Its own process group: `pnpm start` runs the API and the dashboard as grandchildren.
  const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  let err = "";
  // Listened for from the start: a process that ends early has still ended.
  const closed = once(child, "close").then(
    ([code]) => code as number | null,
    () => null, // it could not start: `line` and the step's assertions say so
  );
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return {
    child,
    closed,
    out: () => out,
    err: () => err,
    line: (pattern, timeoutMs) =>
      waitFor(`a line matching ${pattern} from ${args.join(" ")}`, timeoutMs, async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${err.slice(-2000)}`);
        return out.split("\n").find((l) => pattern.test(l));
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = once(child, "exit");
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      }, 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function runToEnd(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; out: string; err: string }> {
  const proc = startProc(cmd, args, options);
  return once(proc.child, "exit").then(([code]) => ({
    code: code as number | null,
    out: proc.out(),
    err: proc.err(),
  }));
}

/** The environment without a control plane's connection strings (the embedded mode is the default). */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.NODE_OPTIONS;
  return env;
}

// ───────────── the journey ─────────────

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

interface AgentLine {
  step: string;
  status?: number;
  body?: unknown;
  github_token?: string;
  stripe_key?: string;
}

async function journey(
  ctx: SpecContext,
  mode: string,
  stack: { webUrl: string },
  tfBin: string,
  fakes: FakeApis,
  slack: FakeSlack,
  keys: { github: string; stripe: string },
): Promise<{ email: string; gateway: string }> {
  const web = stack.webUrl;
  const { page: p, context } = await ctx.newUser();
  const tfHome = mkdtempSync(join(tmpdir(), `tf-golden-${mode}-`));
  const tfEnv = { ...process.env, TF_HOME: tfHome, NO_COLOR: "1" };
  let agent: Proc | undefined;
  let gatewayId = "";
  let gatewayToken = "";
  const step = (name: string, fn: () => Promise<void>) => ctx.step(`${mode}: ${name}`, fn);
  const email = `golden-${mode}-${Date.now()}@example.com`;
  fakes.hits.length = 0;
  try {
    await step("sign up in the browser", async () => {
      await open(p, `${web}/signup`);
      await p.getByLabel("Your name").fill("Gil Golden");
      await p.getByLabel("Work email").fill(email);
      await p.getByLabel("Password").fill(password);
      await p.getByLabel("Organization name").fill(`Golden ${mode}`);
      await p.getByRole("button", { name: "Create account" }).click();
      await p.waitForURL("**/gateways/new");
      await p.locator("html[data-hydrated]").waitFor({ state: "attached" });
    });

    await step("create a gateway with GitHub and Stripe, credentials into the vault", async () => {
      await p.getByLabel("Gateway name").fill(`golden-${mode}`);
      await p.getByRole("button", { name: "Next: connectors" }).click();
      for (const type of ["github", "stripe"]) {
        await p.getByLabel("Type").selectOption(type);
        await p.getByLabel("Upstream").fill(fakes.url);
        await p.getByRole("button", { name: "Add connector", exact: true }).click();
        await p.getByRole("list", { name: "Connectors added" }).getByText(type).first().waitFor();
      }
      await p.getByRole("button", { name: "Next: credentials" }).click();
      await p.getByLabel("Credential for github").fill(keys.github);
      await p.getByLabel("Credential for stripe").fill(keys.stripe);
      await p.getByRole("button", { name: "Next: access rules" }).click();
      for (const connector of ["github", "stripe"])
        await p
          .getByRole("radiogroup", { name: `Preset for ${connector}` })
          .getByRole("radio", { name: /Custom patterns only/ })
          .check();
      const rules: Array<[string, string, string]> = [
        ["github", "github.repo.get", "allow"],
        ["github", "github.issue.create", "allow"],
        ["github", "github.repo.delete", "deny"],
        ["stripe", "stripe.refund.create", "require_approval"],
      ];
      const perConnector = new Map<string, number>();
      for (const [connector, action, decision] of rules) {
        const i = perConnector.get(connector) ?? 0;
        perConnector.set(connector, i + 1);
        await p
          .locator("fieldset")
          .filter({ hasText: `Connector ${connector}` })
          .getByRole("button", { name: "Add a pattern" })
          .click();
        await p.locator(`#rule-${connector}-${i}-action`).fill(action);
        await p.locator(`#rule-${connector}-${i}-decision`).selectOption(decision);
      }
      await ctx.shot(p, `golden ${mode} access rules`);
      await p.getByRole("button", { name: "Next: enforcement" }).click();
      await p.getByRole("radio", { name: /^full/ }).check();
      await p.getByRole("button", { name: "Create gateway" }).click();
      await p.getByTestId("gateway-token").waitFor({ timeout: 60_000 });
      gatewayId = (await p.getByTestId("gateway-id").textContent()) ?? "";
      gatewayToken = (await p.getByTestId("gateway-token").textContent()) ?? "";
      assert.match(gatewayId, /^gw_/);
      assert.match(gatewayToken, /^gwtk_/);
      assert.equal(
        (await p.getByTestId("tf-init-command").textContent()) ?? "",
        `tf init --gateway-id ${gatewayId} --gateway-token ${gatewayToken} --api-url ${web}`,
      );
      assert.equal(await p.getByText("some settings were not saved").count(), 0);
      await ctx.shot(p, `golden ${mode} token shown once`);
      // The fakes' CA, as a corporate root would be given: the gateway verifies them like any upstream.
      await p.getByRole("link", { name: /open the gateway/ }).click();
      await p.waitForURL(`**/gateways/${gatewayId}`);
      await p.locator("html[data-hydrated]").waitFor({ state: "attached" });
      await p.getByLabel("Upstream CA").fill(fakes.caPem);
      await p.getByRole("button", { name: "Save settings" }).click();
      await p.getByText("Saved").first().waitFor();
    });

    await step("Slack integration: bot token and channel", async () => {
      await open(p, `${web}/settings`);
      await p.getByRole("textbox", { name: "Channel" }).fill("#approvals");
      await p.getByLabel("Bot token", { exact: true }).fill(`xoxb-golden-${randomBytes(6).toString("hex")}`);
      await p.getByRole("button", { name: "Save Slack settings" }).click();
      await p.getByText("Secrets are sealed").waitFor();
    });

    await step("tf init with the shown id and token (the bundled CLI)", async () => {
      const init = await runToEnd(
        process.execPath,
        [tfBin, "init", "--gateway-id", gatewayId, "--gateway-token", gatewayToken, "--api-url", web],
        { cwd: repoRoot, env: tfEnv },
      );
      assert.equal(init.code, 0, `tf init: ${init.err}`);
      assert.equal(`${init.out}${init.err}`.includes(gatewayToken), false, "tf init never prints the token");
    });

    const lines: AgentLine[] = [];
    const seen = (stepName: string) => lines.find((l) => l.step === stepName);
    await step(
      "the agent runs: allowed calls carry the real keys, the denied one gets the 403 JSON",
      async () => {
        agent = startProc(
          process.execPath,
          [tfBin, "run", "--agent", "golden-bot", "--", "python3", agentScript],
          { cwd: repoRoot, env: tfEnv },
        );
        const running = agent;
        const collect = () => {
          lines.length = 0;
          for (const l of running.out().split("\n")) {
            if (!l.startsWith("{")) continue;
            lines.push(JSON.parse(l) as AgentLine);
          }
        };
        await waitFor("the agent's first three calls", 60_000, async () => {
          if (running.child.exitCode !== null)
            throw new Error(`the agent exited: ${running.err().slice(-2000)}`);
          collect();
          return seen("repo.delete");
        });
        const env = seen("env");
        assert.ok(env, "the agent printed what it saw");
        for (const value of [env.github_token, env.stripe_key]) {
          assert.match(value ?? "", /tf_dummy|dummy/, `the agent holds a dummy, not a key: ${value}`);
          assert.notEqual(value, keys.github);
          assert.notEqual(value, keys.stripe);
        }
        assert.equal(seen("repo.get")?.status, 200, JSON.stringify(lines));
        assert.equal(seen("issue.create")?.status, 201, JSON.stringify(lines));
        const denied = seen("repo.delete");
        assert.equal(denied?.status, 403);
        assert.equal(
          (denied?.body as { error?: { code?: string } } | undefined)?.error?.code,
          "denied",
          JSON.stringify(denied),
        );
        const github = fakes.hits.filter((h) => h.api === "github");
        assert.deepEqual(
          github.map((h) => `${h.method} ${h.path}`),
          ["GET /repos/acme/widgets", "POST /repos/acme/widgets/issues"],
          "the denied DELETE never reached GitHub",
        );
        assert.ok(
          github.every((h) => h.realKey && !h.dummy),
          "GitHub saw the vault's key, never the dummy",
        );
        fakes.hits.length = 0;
      },
    );

    await step("the held refund goes to Slack; its approve link, confirmed, completes the call", async () => {
      const running = agent as Proc;
      const message = await waitFor("the approval message in Slack", 30_000, async () =>
        slack.messages.find((m) => m.includes("stripe.refund.create") && m.includes(`golden-${mode}`)),
      );
      assert.equal(message.includes(keys.stripe), false, "no secret in the Slack message");
      // The message's links (text, buttons): the one whose signed token says "approve".
      const links = message.match(/https?:\/\/[^\s"<>|)]+\/slack\/approvals\/[A-Za-z0-9._-]+/g) ?? [];
      const link =
        links.find((l) => {
          const payload = l.split("/").pop()?.split(".")[1] ?? "";
          return (JSON.parse(Buffer.from(payload, "base64url").toString()) as { d?: string }).d === "approve";
        }) ?? "";
      assert.ok(link.startsWith(`${web}/slack/approvals/`), `approve link in: ${message.slice(0, 400)}`);
      assert.equal(seen("refund.create"), undefined, "the refund waits for a human");
      const { page: s, context: slackContext } = await ctx.newUser({ width: 420, height: 860 });
      await open(s, link);
      await s.getByRole("heading", { name: "Approve this request?" }).waitFor();
      await s.getByText("stripe.refund.create").first().waitFor();
      assert.equal(fakes.hits.length, 0, "opening the link changed nothing");
      await ctx.shot(s, `golden ${mode} slack approve link`);
      await s.getByTestId("confirm-decision").click();
      await s.getByTestId("link-outcome").getByText("approved").waitFor();
      await slackContext.close();
      const code = await running.closed;
      const refund = running
        .out()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as AgentLine)
        .find((l) => l.step === "refund.create");
      assert.equal(refund?.status, 200, running.out());
      assert.equal(code, 0, running.err().slice(-2000));
      assert.deepEqual(
        fakes.hits.map((h) => `${h.api} ${h.method} ${h.path} ${h.realKey}`),
        ["stripe POST /v1/refunds true"],
      );
    });

    await step(
      "the audit page shows every call in order with its decision, and the chain verifies",
      async () => {
        const expected = [
          ["github.repo.get", "allow"],
          ["github.issue.create", "allow"],
          ["github.repo.delete", "deny"],
          ["stripe.refund.create", "require_approval"],
        ];
        const rows = await waitFor("four audited calls", 30_000, async () => {
          await open(p, `${web}/audit?gateway=${gatewayId}`);
          await p.locator("[data-testid=audit-row], .empty").first().waitFor();
          const found = await p
            .locator("[data-testid=audit-row]")
            .evaluateAll((els) =>
              els.map((e) => [e.getAttribute("aria-label") ?? "", e.getAttribute("data-decision") ?? ""]),
            );
          return found.length >= expected.length ? found : undefined;
        });
        // Newest first on the page: reversed, the calls in the order the agent made them.
        const inOrder = rows.reverse().map(([label, decision]) => [label?.split(" ")[0], decision]);
        assert.deepEqual(inOrder, expected, JSON.stringify(rows));
        await p.getByRole("button", { name: "Verify hash chain" }).click();
        await p.getByTestId("chain-status").getByText("chain intact").waitFor();
        await ctx.shot(p, `golden ${mode} audit`);
      },
    );
  } finally {
    await agent?.stop();
    await context.close();
    rmSync(tfHome, { recursive: true, force: true });
  }
  return { email, gateway: `golden-${mode}` };
}

export const spec: E2eSpec = {
  name: "golden path",
  async run(ctx) {
    const keys = {
      github: `ghp_golden${randomBytes(12).toString("hex")}`,
      stripe: `sk_live_golden${randomBytes(12).toString("hex")}`,
    };
    const scratch = mkdtempSync(join(tmpdir(), "tf-golden-"));
    const fakes = await startFakeApis(keys);
    const slack = await startFakeSlack();
    try {
      // The CLI as published: the esbuild bundle `pnpm pack:tf` ships.
      const tfDist = join(scratch, "tf-dist");
      const built = await runToEnd(
        process.execPath,
        [join(repoRoot, "apps/gateway/scripts/build.mjs"), "--outdir", tfDist],
        {
          cwd: repoRoot,
          env: process.env,
        },
      );
      assert.equal(built.code, 0, built.err);
      const tfBin = join(tfDist, "tf.mjs");

      // 1. Postgres + Redis (BullMQ workers), the dashboard's production build.
      const stack = await startStack({ apiEnv: { SLACK_API_BASE_URL: slack.url } });
      try {
        await journey(ctx, "postgres", stack, tfBin, fakes, slack, keys);
      } finally {
        await stack.close();
      }

      // 2. The README's two commands in a clean clone: embedded mode (PGlite, in-process queue).
      const clone = join(scratch, "clone");
      let started: Proc | undefined;
      try {
        await ctx.step("clean clone: git clone, pnpm install", async () => {
          const cloned = await runToEnd("git", ["clone", "--quiet", repoRoot, clone], {
            cwd: scratch,
            env: process.env,
          });
          assert.equal(cloned.code, 0, cloned.err);
          const t0 = Date.now();
          const installed = await runToEnd("pnpm", ["install", "--frozen-lockfile", "--offline"], {
            cwd: clone,
            env: embeddedEnv({}),
          });
          assert.equal(installed.code, 0, `${installed.out.slice(-2000)}${installed.err.slice(-2000)}`);
          ctx.figure("cleanCloneInstallMs", Date.now() - t0);
        });
        const webPort = await freePort();
        const apiPort = await freePort();
        // As the README says: no DATABASE_URL / REDIS_URL, so the embedded mode.
        const pnpmStart = () =>
          startProc("pnpm", ["start"], {
            cwd: clone,
            env: embeddedEnv({
              PORT: String(webPort),
              API_PORT: String(apiPort),
              SLACK_API_BASE_URL: slack.url,
              NEXT_TELEMETRY_DISABLED: "1",
            }),
          });
        await ctx.step("clean clone: pnpm start serves the dashboard and says what to do next", async () => {
          const t0 = Date.now();
          started = pnpmStart();
          const ready = await started.line(/tameflare: ready/, 300_000);
          assert.ok(ready.includes(`http://127.0.0.1:${webPort}`), ready);
          assert.match(started.out(), /embedded: PGlite/);
          assert.match(started.out(), /tf init/);
          ctx.figure("cleanCloneStartMs", Date.now() - t0);
          const login = await fetch(`http://127.0.0.1:${webPort}/login`);
          assert.equal(login.status, 200);
        });
        try {
          const account = await journey(
            ctx,
            "embedded",
            { webUrl: `http://127.0.0.1:${webPort}` },
            tfBin,
            fakes,
            slack,
            keys,
          );
          await ctx.step("clean clone: pnpm start again reuses the build and keeps the data", async () => {
            await (started as Proc).stop();
            const t0 = Date.now();
            started = pnpmStart();
            await started.line(/tameflare: ready/, 120_000);
            ctx.figure("cleanCloneRestartMs", Date.now() - t0);
            assert.doesNotMatch(started.out(), /building the dashboard/, "an up-to-date build is reused");
            const { page, context } = await ctx.newUser();
            try {
              await open(page, `http://127.0.0.1:${webPort}/login`);
              await page.getByLabel("Email").fill(account.email);
              await page.getByLabel("Password").fill(password);
              await page.getByRole("button", { name: "Log in" }).click();
              await page.waitForURL((url) => !url.pathname.startsWith("/login"));
              await open(page, `http://127.0.0.1:${webPort}/gateways`);
              await page.getByRole("link", { name: account.gateway }).first().waitFor();
            } finally {
              await context.close();
            }
          });
        } catch (error) {
          const s = started as Proc | undefined;
          ctx.log(
            `pnpm start output (last lines):\n${`${s?.out() ?? ""}\n${s?.err() ?? ""}`.split("\n").slice(-40).join("\n")}`,
          );
          throw error;
        }
      } finally {
        await (started as Proc | undefined)?.stop();
      }
    } finally {
      await fakes.close();
      await slack.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
