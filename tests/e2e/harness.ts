import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { repoRoot, type Stack } from "./stack.ts";

/** What an e2e spec gets: the running stack, a browser, and helpers for the gateway side. */
export interface SpecContext {
  stack: Stack;
  browser: Browser;
  upstream: FakeUpstream;
  /** A named step: logged, timed, and on failure the cause of the run's failure. */
  step(name: string, fn: () => Promise<void>): Promise<void>;
  /** Saves a screenshot (full page unless told) under the run's folder; returns its path. */
  shot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<string>;
  /** A new browser context (its own cookies) at laptop size, unless a viewport is given. */
  newUser(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  tf: TfCli;
  /** A measured figure for the report. */
  figure(name: string, value: number | string): void;
  /** Something the spec could not exercise, and why (reported, and fails the run). */
  blocked(what: string): void;
  log(line: string): void;
}

export interface E2eSpec {
  name: string;
  run(ctx: SpecContext): Promise<void>;
}

// ───────────── a fake upstream API the agent's calls reach through the gateway ─────────────

export interface UpstreamHit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FakeUpstream {
  url: string;
  hits: UpstreamHit[];
  close(): Promise<void>;
}

/** Answers every request with 200 JSON and records what reached it (method, path, headers). */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const hits: UpstreamHit[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, method: req.method, path: req.url }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ───────────── the `tf` CLI ─────────────

const tfMain = join(repoRoot, "apps/gateway/src/cli/main.ts");
const agentScript = join(repoRoot, "tests/e2e/fixtures/agent.mjs");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface AgentResult {
  id: string;
  status?: number;
  code?: string | null;
  body?: string;
  error?: string;
}

/** An agent under `tf run`: send it requests, read what it got back. */
export interface RunningAgent {
  request(method: string, url: string): Promise<AgentResult>;
  /** Everything `tf` printed on stderr so far (its notices). */
  stderr(): string;
  stop(): Promise<number | null>;
}

export interface TfCli {
  home: string;
  run(args: string[]): Promise<CliRun>;
  startAgent(agent: string): Promise<RunningAgent>;
}

function tfProcess(home: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", tfMain, ...args], {
    cwd: repoRoot,
    env: { ...process.env, TF_HOME: home, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** The `tf` CLI from source with its own TF_HOME (keys, CA, spool, cached bundle). */
export function createTf(home: string): TfCli {
  mkdirSync(home, { recursive: true });
  return {
    home,
    async run(args) {
      const child = tfProcess(home, args);
      child.stdin?.end();
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const [code] = (await once(child, "exit")) as [number | null];
      return { code, stdout, stderr };
    },
    async startAgent(agent) {
      const child = tfProcess(home, [
        "run",
        "--agent",
        agent,
        "--verbose",
        "--",
        process.execPath,
        agentScript,
      ]);
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const waiting = new Map<string, (r: AgentResult) => void>();
      let buffered = "";
      let ready: () => void = () => {};
      const readyPromise = new Promise<void>((resolve) => {
        ready = resolve;
      });
      child.stdout?.on("data", (d: Buffer) => {
        buffered += d.toString();
        let nl = buffered.indexOf("\n");
        while (nl !== -1) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf("\n");
          if (line === "") continue;
          const parsed = JSON.parse(line) as AgentResult & { ready?: boolean };
          if (parsed.ready === true) ready();
          else waiting.get(parsed.id)?.(parsed);
        }
      });
      const exited = once(child, "exit") as Promise<[number | null]>;
      const started = await Promise.race([readyPromise.then(() => true), exited.then(() => false)]);
      if (!started) throw new Error(`tf run exited before the agent started:\n${stderr}`);
      let counter = 0;
      return {
        request(method, url) {
          counter += 1;
          const id = `r${counter}`;
          const answer = new Promise<AgentResult>((resolve) => waiting.set(id, resolve));
          child.stdin?.write(`${id} ${method} ${url}\n`);
          return answer;
        },
        stderr: () => stderr,
        async stop() {
          child.stdin?.end();
          const [code] = await exited;
          return code;
        },
      };
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? "" : `: ${String(lastError)}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
