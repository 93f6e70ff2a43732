import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `tf` as a user gets it: the tarball `pnpm pack:tf` makes, installed with npm into a fresh
// project outside this repository, with the registry unreachable and an empty npm cache, so the
// bundle can only work with what the tarball itself carries.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const packScript = join(repoRoot, "apps/gateway/scripts/pack.mjs");
const gatewayVersion = (
  JSON.parse(readFileSync(join(repoRoot, "apps/gateway/package.json"), "utf8")) as { version: string }
).version;

/** What the package may contain, nothing more (package.json and README.md are npm's own). */
const expectedFiles = [
  "package/README.md",
  "package/THIRD_PARTY_LICENSES.md",
  "package/package.json",
  "package/preload.mjs",
  "package/tf.mjs",
];
/** Measured 712 kB packed / 3.5 MB unpacked: a bound that catches a source map or a stray folder. */
const maxTarballBytes = 1_200_000;
const maxUnpackedBytes = 5_000_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise<Result>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Nothing of this machine's setup leaks in: no proxies, preloads, module paths or TF_HOME. */
const scrubbed = /^(https?_proxy|all_proxy|no_proxy|node_options|node_path|tf_home|npm_config_.*)$/i;

let dir: string;
let tarball: string;
let project: string;
let env: NodeJS.ProcessEnv;
let upstream: Server;
let upstreamPort: number;
const seen: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders }[] = [];
const realSecret = `tarball_secret_${randomBytes(12).toString("hex")}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tf-tarball-"));
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!scrubbed.test(key)) base[key] = value;
  env = {
    ...base,
    TF_HOME: join(dir, "home"),
    // Any attempt to reach a registry fails at once, and the cache starts empty.
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_cache: join(dir, "npm-cache"),
    npm_config_update_notifier: "false",
  };

  const out = join(dir, "out");
  const packed = await run(process.execPath, [packScript, "--outdir", out], { cwd: repoRoot, env });
  expect(packed.code, packed.stderr).toBe(0);
  const tgz = readdirSync(out).filter((name) => name.endsWith(".tgz"));
  expect(tgz).toEqual([`tameflare-tf-${gatewayVersion}.tgz`]);
  tarball = join(out, tgz[0] as string);

  project = join(dir, "project");
  await mkdir(project);
  await writeFile(join(project, "package.json"), '{ "name": "tf-tarball-probe", "private": true }\n');
  const installed = await run(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball],
    { cwd: project, env },
  );
  expect(installed.code, installed.stderr).toBe(0);

  upstream = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end('{"items":[1,2,3]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const npxTf = (args: readonly string[]) => run("npx", ["--offline", "tf", ...args], { cwd: project, env });

describe("the tf tarball", () => {
  it("holds only the bundle, its preload, the manifest, the readme and the licences, within size", async () => {
    const listed = await run("tar", ["-tzf", tarball], { cwd: dir, env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n").sort()).toEqual(expectedFiles);
    expect(statSync(tarball).size).toBeLessThan(maxTarballBytes);

    const installedDir = join(project, "node_modules/@tameflare/tf");
    expect(readdirSync(installedDir).sort()).toEqual(expectedFiles.map((f) => f.slice("package/".length)));
    const unpacked = readdirSync(installedDir).reduce(
      (sum, f) => sum + statSync(join(installedDir, f)).size,
      0,
    );
    expect(unpacked).toBeLessThan(maxUnpackedBytes);
    // Nothing but the package itself was installed.
    expect(
      readdirSync(join(project, "node_modules"))
        .filter((n) => !n.startsWith("."))
        .sort(),
    ).toEqual(["@tameflare"]);
  });

  it("its manifest has a bin and no dependencies (workspace:* could not resolve outside the monorepo)", () => {
    const text = readFileSync(join(project, "node_modules/@tameflare/tf/package.json"), "utf8");
    expect(text).not.toContain("workspace:");
    const manifest = JSON.parse(text) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: "@tameflare/tf",
      version: gatewayVersion,
      type: "module",
      bin: { tf: "tf.mjs" },
      engines: { node: expect.stringMatching(/^>=20\./) },
      license: expect.any(String),
    });
    for (const field of [
      "dependencies",
      "devDependencies",
      "peerDependencies",
      "optionalDependencies",
      "scripts",
    ]) {
      expect(manifest[field], field).toBeUndefined();
    }
  });

  it("carries no source map, no source path of this checkout and no key or token", () => {
    const installedDir = join(project, "node_modules/@tameflare/tf");
    for (const file of ["tf.mjs", "preload.mjs"]) {
      const text = readFileSync(join(installedDir, file), "utf8");
      expect(text, file).not.toContain("sourceMappingURL");
      expect(text, file).not.toContain(repoRoot);
      // A PEM label alone is library code; a label followed by base64 would be a key.
      expect(text, file).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{16}/);
      expect(text, file).not.toMatch(
        /\b(ghp_[A-Za-z0-9]{20,}|gwtk_[A-Za-z0-9]{16,}|sk_live_[A-Za-z0-9]{8,}|xox[bp]-\d)/,
      );
    }
  });
});

describe("npx tf from the installed tarball, with nothing else installed", () => {
  it("--version prints the package version and --help lists the commands", async () => {
    const version = await npxTf(["--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(gatewayVersion);
    const help = await npxTf(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const command of ["run", "policy", "approvals", "logs", "init", "doctor"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });

  it("tf policy check validates a document and tf policy test decides a request, offline", async () => {
    await writeFile(
      join(project, "policy.yaml"),
      [
        "version: 1",
        "connectors:",
        "  - type: github",
        "access_rules:",
        "  - { connector: github, preset: read_only }",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(project, "bad.yaml"),
      "version: 1\naccess_rules:\n  - { connector: github, decision: alow }\n",
    );
    const good = await npxTf(["policy", "check", "policy.yaml"]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("policy.yaml: ok");
    const bad = await npxTf(["policy", "check", "bad.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:3: access_rules\[0\]\.decision: .+$/m);

    const decided = await npxTf([
      "policy",
      "test",
      "--config",
      "policy.yaml",
      "--request",
      "DELETE https://api.github.com/repos/acme/widgets",
    ]);
    expect(decided.code, decided.stderr).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({
      action: { type: "github.repo.delete" },
      decision: "deny",
      enforced: "deny",
    });
  });

  it("tf run -- node agent.mjs: the bundled gateway and preload govern fetch() to a loopback upstream", async () => {
    await writeFile(
      join(project, "tameflare.yaml"),
      [
        "version: 1",
        "connectors:",
        "  - type: generic",
        "    name: local-api",
        `    domains: ["localhost:${upstreamPort}"]`,
        '    credential: { env: LOCAL_API_KEY, header: Authorization, format: "Bearer {secret}" }',
        "access_rules:",
        "  - { connector: local-api, action: http.get, decision: allow }",
        "",
      ].join("\n"),
    );
    // Node 20's fetch() ignores proxy variables: only the bundled preload routes it to the gateway.
    await writeFile(
      join(project, "agent.mjs"),
      `const base = "http://localhost:${upstreamPort}";
const headers = { authorization: \`Bearer \${process.env.LOCAL_API_KEY}\` };
const got = await fetch(\`\${base}/items\`, { headers });
const deleted = await fetch(\`\${base}/items/1\`, { method: "DELETE", headers });
console.log(JSON.stringify({
  key: process.env.LOCAL_API_KEY,
  got: { status: got.status, body: await got.text() },
  deleted: { status: deleted.status, body: await deleted.json() },
}));
`,
    );
    seen.length = 0;
    const result = await run(
      "npx",
      ["--offline", "tf", "run", "--agent", "tarball-bot", "--", "node", "agent.mjs"],
      {
        cwd: project,
        env: { ...env, LOCAL_API_KEY: realSecret },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout.split("\n").find((l) => l.startsWith("{"));
    const agent = JSON.parse(line ?? "null") as {
      key: string;
      got: { status: number; body: string };
      deleted: { status: number; body: { error: { code: string; action: string } } };
    };
    expect(agent.key).toMatch(/^tf_dummy_/);
    expect(agent.got).toEqual({ status: 200, body: '{"items":[1,2,3]}' });
    expect(agent.deleted.status).toBe(403);
    expect(agent.deleted.body.error).toMatchObject({ code: "denied", action: "http.delete" });

    // Only the allowed call reached the upstream, through the gateway, with the real key.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/items" });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${realSecret}`);
    expect(seen[0]?.headers["x-tameflare-agent"]).toBe("tarball-bot");
    expect(result.stdout + result.stderr).not.toContain(realSecret);

    const logs = await npxTf(["logs", "--json"]);
    expect(logs.code, logs.stderr).toBe(0);
    const events = logs.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { action_type: string; decision: string; agent: string });
    expect(events.map((e) => [e.action_type, e.decision, e.agent])).toEqual([
      ["http.get", "allow", "tarball-bot"],
      ["http.delete", "deny", "tarball-bot"],
    ]);
  });
});
