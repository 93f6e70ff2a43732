// Proxy benchmark (issue 4): keep-alive HTTPS GETs at 16 concurrent clients on
// loopback, direct vs TameFlare's gateway (full policy evaluation + audit on) vs
// Debian's squid-openssl in ssl-bump mode vs Debian's mitmproxy, in ONE run, then
// a new-connection-per-request run. Prints req/s, p50/p99, ratios, the proxy's CPU time
// per request and peak RSS.
//
//   npx tsx bench/proxy.ts [--seconds 10] [--concurrency 16] [--only gateway,squid]
//                          [--gateway-from bundle|source] [--warmup 1.5] [--rounds 1]
//                          [--gateway-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
//                          [--bundle-out FILE] [--baseline FILE] [--new-conn-seconds N]
//
// `--bundle-out` keeps the gateway bundle this run built; `--baseline` runs such a kept
// bundle (an earlier commit's) as one more path, measured in the same rounds: an A/B of
// a change on the same load, which separate runs on a shared machine cannot give. Many short
// rounds (`--seconds 1 --rounds 20 --new-conn-seconds 0`) compare best on a noisy machine:
// the ratios are medians of per-round ratios, each round's paths measured seconds apart.
//
// All proxies run at once; each is warmed up, then measured `--rounds` times in turn, the
// order rotating by one path each round (gateway, squid, …, then squid, …, gateway) so that
// none is always first, and the median round is reported: on a shared
// machine the load changes from one minute to the next, and rounds close in time compare
// fairly. The ratios are the medians of the per-round ratios.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadResult, runLoad } from "./lib/load.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const seconds = Number(args.get("seconds") ?? 10);
const concurrency = Number(args.get("concurrency") ?? 16);
const only = args.get("only")?.split(",");
const gatewayFrom = args.get("gateway-from") ?? "bundle";
const warmupSeconds = Number(args.get("warmup") ?? 1.5);
const rounds = Math.max(1, Number(args.get("rounds") ?? 1));
/** Seconds of the new-connection run per path and round; 0 skips it (keep-alive only). */
const newConnSeconds = Number(args.get("new-conn-seconds") ?? Math.max(2, seconds / 2));
/** Extra node flags for the bundled gateway (e.g. `--cpu-prof`), space-separated. */
const gatewayNodeArgs = args.get("gateway-node-args")?.split(" ").filter(Boolean) ?? [];
const bundleOut = args.get("bundle-out");
const baseline = args.get("baseline");
const here = fileURLToPath(new URL(".", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tf-bench-proxy-"));
const children: ChildProcess[] = [];

function sh(cmd: string, argv: string[]): string {
  return execFileSync(cmd, argv, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

function startChild(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, argv, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = "";
    let errOut = "";
    child.stderr?.on("data", (d: Buffer) => {
      errOut += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
    });
    child.on("exit", (code) => reject(new Error(`child exited ${code}: ${errOut.slice(0, 2000)}`)));
  });
}

async function waitForPort(port: number): Promise<void> {
  const net = await import("node:net");
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** User + system CPU time of a process so far, in ms (NaN without a pid). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}

function freePort(): Promise<number> {
  return import("node:net").then(
    (net) =>
      new Promise((resolve) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      }),
  );
}

// 1. Target CA and a certificate for localhost (openssl CLI).
sh("openssl", [
  "req",
  "-x509",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:P-256",
  "-nodes",
  "-days",
  "2",
  "-subj",
  "/CN=bench target CA",
  "-keyout",
  "ca.key",
  "-out",
  "ca.pem",
]);
sh("openssl", [
  "req",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:P-256",
  "-nodes",
  "-subj",
  "/CN=localhost",
  "-keyout",
  "t.key",
  "-out",
  "t.csr",
]);
writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
sh("openssl", [
  "x509",
  "-req",
  "-in",
  "t.csr",
  "-CA",
  "ca.pem",
  "-CAkey",
  "ca.key",
  "-CAcreateserial",
  "-days",
  "2",
  "-extfile",
  "ext.cnf",
  "-out",
  "t.pem",
]);
const targetCa = readFileSync(join(dir, "ca.pem"), "utf8");

const target = startChild(process.execPath, [
  join(here, "lib/target.mjs"),
  join(dir, "t.pem"),
  join(dir, "t.key"),
]);
const { port: targetPort } = (await firstJsonLine(target)) as { port: number };

interface Path {
  name: string;
  proxy: { host: string; port: number; authorization?: string } | undefined;
  ca: string[];
  pid: number | undefined;
}

interface Round {
  keepAlive: LoadResult;
  newConn: LoadResult;
  /** CPU time of the proxy process per request (user + system): the figure load distorts least. */
  cpuMsPerRequest: number;
  newConnCpuMsPerRequest: number;
}

const paths: Path[] = [];
const results = new Map<string, Round[]>();
const peakRss = new Map<string, number>();

async function warmUp(path: Path): Promise<void> {
  const base = {
    host: "localhost",
    port: targetPort,
    path: "/v1/items?limit=3",
    ca: path.ca,
    proxy: path.proxy,
  };
  await runLoad({ ...base, concurrency, durationMs: warmupSeconds * 1000, newConnectionPerRequest: false });
}

async function measureRound(path: Path): Promise<Round> {
  const base = {
    host: "localhost",
    port: targetPort,
    path: "/v1/items?limit=3",
    ca: path.ca,
    proxy: path.proxy,
  };
  const cpu0 = cpuMs(path.pid);
  const keepAlive = await runLoad({
    ...base,
    concurrency,
    durationMs: seconds * 1000,
    newConnectionPerRequest: false,
  });
  const cpu1 = cpuMs(path.pid);
  const newConn =
    newConnSeconds > 0
      ? await runLoad({
          ...base,
          concurrency,
          durationMs: newConnSeconds * 1000,
          newConnectionPerRequest: true,
        })
      : { requests: 0, errors: 0, seconds: 0, rps: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN };
  const cpu2 = cpuMs(path.pid);
  console.error(
    `${path.name}: ${keepAlive.rps.toFixed(0)} req/s keep-alive, ${newConn.rps.toFixed(0)} req/s new-conn`,
  );
  return {
    keepAlive,
    newConn,
    cpuMsPerRequest: (cpu1 - cpu0) / keepAlive.requests,
    newConnCpuMsPerRequest: (cpu2 - cpu1) / newConn.requests,
  };
}

const want = (n: string) => only === undefined || only.includes(n);

try {
  if (want("direct")) paths.push({ name: "direct", proxy: undefined, ca: [targetCa], pid: undefined });

  if (want("gateway")) {
    const home = join(dir, "tf-home");
    const config = join(dir, "tameflare.yaml");
    writeFileSync(config, gatewayDocument(join(dir, "ca.pem")));
    // The shipped path is the esbuild bundle (`tf` is `dist/tf.mjs`, which runs the gateway in
    // process): bundle the same sources with the same options and run them on plain node.
    // `--gateway-from source` runs the TypeScript through tsx instead.
    const gw =
      gatewayFrom === "source"
        ? startChild(join(here, "../node_modules/.bin/tsx"), [
            join(here, "lib/gateway-server.ts"),
            config,
            home,
          ])
        : startChild(process.execPath, [...gatewayNodeArgs, await bundleGatewayServer(), config, home]);
    paths.push(await gatewayPath(gw, `tameflare gateway (${gatewayFrom === "source" ? "tsx" : "bundle"})`));
    if (baseline !== undefined) {
      const base = startChild(process.execPath, [baseline, config, join(dir, "tf-home-baseline")]);
      paths.push(await gatewayPath(base, "baseline gateway"));
    }
  }

  if (want("squid")) {
    const port = await freePort();
    const sq = join(dir, "squid");
    mkdirSync(sq, { recursive: true });
    sh("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=squid bench CA",
      "-keyout",
      join(sq, "ca.key"),
      "-out",
      join(sq, "ca.pem"),
    ]);
    if (existsSync(join(sq, "ssl_db"))) rmSync(join(sq, "ssl_db"), { recursive: true });
    sh("/usr/lib/squid/security_file_certgen", ["-c", "-s", join(sq, "ssl_db"), "-M", "16MB"]);
    writeFileSync(
      join(sq, "squid.conf"),
      [
        `http_port 127.0.0.1:${port} ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=16MB tls-cert=${sq}/ca.pem tls-key=${sq}/ca.key`,
        `sslcrtd_program /usr/lib/squid/security_file_certgen -s ${sq}/ssl_db -M 16MB`,
        "sslcrtd_children 4",
        "acl step1 at_step SslBump1",
        "ssl_bump peek step1",
        "ssl_bump bump all",
        `tls_outgoing_options cafile=${join(dir, "ca.pem")}`,
        "http_access allow all",
        "cache deny all",
        "access_log none",
        `cache_log ${sq}/cache.log`,
        `pid_filename ${sq}/squid.pid`,
        `coredump_dir ${sq}`,
        "shutdown_lifetime 0 seconds",
        "",
      ].join("\n"),
    );
    sh("chown", ["-R", "proxy:proxy", sq]);
    chmodSync(dir, 0o755);
    const squid = startChild("/usr/sbin/squid", ["-N", "-f", join(sq, "squid.conf")]);
    await waitForPort(port);
    paths.push({
      name: "squid ssl-bump",
      proxy: { host: "127.0.0.1", port },
      ca: [readFileSync(join(sq, "ca.pem"), "utf8")],
      pid: squid.pid,
    });
  }

  if (want("mitmproxy")) {
    const port = await freePort();
    const conf = join(dir, "mitm");
    mkdirSync(conf, { recursive: true });
    const mitm = startChild("mitmdump", [
      "-q",
      "--listen-host",
      "127.0.0.1",
      "--listen-port",
      String(port),
      "--set",
      `confdir=${conf}`,
      "--set",
      `ssl_verify_upstream_trusted_ca=${join(dir, "ca.pem")}`,
    ]);
    await waitForPort(port);
    paths.push({
      name: "mitmproxy",
      proxy: { host: "127.0.0.1", port },
      ca: [readFileSync(join(conf, "mitmproxy-ca-cert.pem"), "utf8")],
      pid: mitm.pid,
    });
  }

  for (const path of paths) await warmUp(path);
  for (let round = 0; round < rounds; round++) {
    if (rounds > 1) console.error(`round ${round + 1} of ${rounds}`);
    // Each round starts one path later: measured first in every round, a path gained 4% of
    // CPU per request against the very same bundle (an A/A run, 20 rounds).
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(i + round) % paths.length] as Path;
      const list = results.get(path.name) ?? [];
      list.push(await measureRound(path));
      results.set(path.name, list);
    }
  }
  for (const path of paths) peakRss.set(path.name, peakRssMb(path.pid));
} finally {
  for (const c of children) c.kill("SIGTERM");
}

const median = (values: number[]): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
/** The round with the median keep-alive req/s (its latencies and CPU go with it). */
const medianRound = (list: Round[]): Round => {
  const sorted = [...list].sort((a, b) => a.keepAlive.rps - b.keepAlive.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Round;
};
const gatewayName = paths.find((p) => p.name.startsWith("tameflare gateway"))?.name;
const gatewayRounds = gatewayName ? results.get(gatewayName) : undefined;
/** Median over rounds of gateway ÷ this path, each round's figures taken minutes apart at most. */
const ratio = (name: string, pick: (r: Round) => number): number | undefined => {
  const other = results.get(name);
  if (!gatewayRounds || !other) return undefined;
  return median(gatewayRounds.map((g, i) => pick(g) / pick(other[i] as Round)));
};
const fmt = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(d));
console.log(
  `\nkeep-alive HTTPS GET, ${concurrency} clients, ${seconds}s each, warm-up ${warmupSeconds}s, ${rounds} round(s), median round shown (loopback, 2 cores shared by client, proxy, target)\n`,
);
console.log(
  "| path | req/s | p50 ms | p99 ms | errors | gateway ÷ this | proxy CPU ms/req | new-conn req/s | new-conn p50 ms | gateway ÷ this (new-conn) | new-conn proxy CPU ms/req | peak RSS MB |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const path of paths) {
  const list = results.get(path.name);
  if (!list) continue;
  const r = medianRound(list);
  const newConnRps = median(list.map((x) => x.newConn.rps));
  console.log(
    `| ${path.name} | ${fmt(r.keepAlive.rps)} | ${fmt(r.keepAlive.p50Ms, 2)} | ${fmt(r.keepAlive.p99Ms, 2)} | ${list.reduce((n, x) => n + x.keepAlive.errors, 0)} | ${fmt(
      ratio(path.name, (x) => x.keepAlive.rps),
      2,
    )} | ${fmt(r.cpuMsPerRequest, 3)} | ${fmt(newConnRps)} | ${fmt(median(list.map((x) => x.newConn.p50Ms)), 2)} | ${fmt(
      ratio(path.name, (x) => x.newConn.rps),
      2,
    )} | ${fmt(median(list.map((x) => x.newConnCpuMsPerRequest)), 2)} | ${fmt(peakRss.get(path.name))} |`,
  );
}
const direct = results.get("direct");
if (direct && gatewayRounds) {
  const added = median(gatewayRounds.map((g, i) => g.keepAlive.p50Ms - (direct[i] as Round).keepAlive.p50Ms));
  console.log(`\ngateway p50 added latency over direct (median of rounds): ${added.toFixed(3)} ms`);
}
if (rounds > 1) {
  for (const path of paths) {
    const list = results.get(path.name) ?? [];
    console.log(`${path.name}: ${list.map((x) => x.keepAlive.rps.toFixed(0)).join(", ")} req/s by round`);
    if (path.pid !== undefined) {
      console.log(
        `${path.name}: ${list.map((x) => x.cpuMsPerRequest.toFixed(3)).join(", ")} ms CPU per request by round`,
      );
    }
    if (direct && path.name !== "direct") {
      // Queueing on the shared cores dominates p50 at 16 clients: the quiet rounds tell the work.
      const added = list.map((x, i) => x.keepAlive.p50Ms - (direct[i] as Round).keepAlive.p50Ms);
      console.log(
        `${path.name}: ${added.map((a) => a.toFixed(2)).join(", ")} ms p50 added over direct by round`,
      );
    }
  }
}
console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
rmSync(dir, { recursive: true, force: true });

async function gatewayPath(child: ChildProcess, name: string): Promise<Path> {
  const info = (await firstJsonLine(child)) as {
    port: number;
    username: string;
    password: string;
    caCertPath: string;
  };
  const auth = `Basic ${Buffer.from(`${info.username}:${info.password}`).toString("base64")}`;
  // tsx wraps node: the gateway is then the node grandchild; find it by port owner.
  const pid = pidListening(info.port) ?? child.pid;
  return {
    name,
    proxy: { host: "127.0.0.1", port: info.port, authorization: auth },
    ca: [readFileSync(info.caCertPath, "utf8")],
    pid,
  };
}

/** `lib/gateway-server.ts` bundled as `apps/gateway/scripts/build.mjs` bundles `tf`. */
async function bundleGatewayServer(): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = join(dir, "gateway-server.mjs");
  await build({
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    legalComments: "none",
    entryPoints: [join(here, "lib/gateway-server.ts")],
    outfile,
    banner: {
      js: [
        'import { createRequire as __tfCreateRequire } from "node:module";',
        "const require = __tfCreateRequire(import.meta.url);",
      ].join("\n"),
    },
  });
  if (bundleOut !== undefined) copyFileSync(outfile, bundleOut);
  return outfile;
}

function pidListening(port: number): number | undefined {
  try {
    const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`]).toString();
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function gatewayDocument(caPath: string): string {
  // A realistic document: a generic connector for the target, access rules, and
  // condition policies the request is evaluated against (full enforcement, audit on).
  const policies = Array.from(
    { length: 50 },
    (_, i) => `  - name: p${i}
    scope: { actions: ["http.post", "internal.thing${i}.*"] }
    priority: ${i}
    rules:
      - name: r${i}
        when: { all: [ { field: parameters.path, op: starts_with, value: /admin${i} } ] }
        decision: deny
        reason: admin paths are off limits`,
  ).join("\n");
  return `version: 1
gateway: { name: bench, enforcement: full }
upstream_ca: ${caPath}
connectors:
  - type: generic
    name: internal
    domains: [localhost]
    credential: { value: bench-secret-value, header: authorization, format: "Bearer {secret}" }
access_rules:
  - { connector: internal, preset: read_only }
  - { connector: internal, action: "http.delete", decision: deny }
policies:
${policies}
rate_limits:
  - { action: "http.post", per_agent: true, max: 10, window_seconds: 60 }
`;
}
