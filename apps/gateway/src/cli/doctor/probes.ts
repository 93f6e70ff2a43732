/** The host the doctor's requests name; it resolves nowhere, so only the gateway can reach it. */
export const doctorHost = "doctor.tameflare.test";
/** The credential the doctor's connector injects; the target checks it arrived. */
export const doctorSecret = "tf-doctor-probe";
export const doctorAgent = "tf-doctor";

/** One runtime the doctor checks, run as a child with the `tf run` environment. */
export interface Probe {
  id: string;
  label: string;
  command: string;
  args: string[];
  /** The variable this runtime reads its CA bundle from. */
  caVariable: string;
  /** What makes this runtime use the proxy, said as a fix. */
  proxyFix: string;
}

export type ProbeVerdict =
  | { kind: "ok" }
  | { kind: "missing"; detail: string }
  | { kind: "failed"; problem: string; fix: string };

const pythonScript = `
import sys
lib, url = sys.argv[1], sys.argv[2]
try:
    if lib == "requests":
        import requests
    elif lib == "httpx":
        import httpx
    else:
        import urllib.request
except ImportError:
    print("TF_DOCTOR_MISSING")
    sys.exit(3)
if lib == "requests":
    r = requests.get(url, timeout=15)
    r.raise_for_status()
    print(r.text)
elif lib == "httpx":
    r = httpx.get(url, timeout=15)
    r.raise_for_status()
    print(r.text)
else:
    print(urllib.request.urlopen(url, timeout=15).read().decode())
`;

const nodeFetch =
  "fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error('status ' + r.status); console.log(await r.text()); })" +
  ".catch((e) => { console.error(String(e && e.cause ? e.cause : e)); process.exit(1); })";
const nodeHttps =
  "require('node:https').get(process.argv[1], (r) => { let b = ''; r.on('data', (c) => (b += c));" +
  " r.on('end', () => { if (r.statusCode !== 200) { console.error('status ' + r.statusCode); process.exit(1); } console.log(b); }); })" +
  ".on('error', (e) => { console.error(String(e)); process.exit(1); })";

/** The probes for the interpreters found (`python3` on PATH and Debian's, when they differ). */
export function buildProbes(pythons: readonly string[]): Probe[] {
  const url = (id: string) => `https://${doctorHost}/tf-doctor/${id}`;
  const probes: Probe[] = [
    {
      id: "curl",
      label: "curl",
      command: "curl",
      args: ["-sS", "-f", "--max-time", "15", url("curl")],
      caVariable: "CURL_CA_BUNDLE",
      proxyFix: "curl reads HTTPS_PROXY / https_proxy: check ~/.curlrc for `noproxy` or `proxy` lines",
    },
  ];
  pythons.forEach((python, index) => {
    for (const lib of ["requests", "urllib", "httpx"] as const) {
      const id = `py${index}-${lib}`;
      probes.push({
        id,
        label: `${python} ${lib}`,
        command: python,
        args: ["-c", pythonScript, lib, url(id)],
        caVariable: lib === "requests" ? "REQUESTS_CA_BUNDLE" : "SSL_CERT_FILE",
        proxyFix: `${lib} reads HTTPS_PROXY unless the code disables it (${lib === "urllib" ? "a ProxyHandler({})" : "trust_env=False"})`,
      });
    }
  });
  probes.push(
    {
      id: "node-fetch",
      label: "node fetch()",
      command: "node",
      args: ["-e", nodeFetch, url("node-fetch")],
      caVariable: "NODE_EXTRA_CA_CERTS",
      proxyFix:
        "fetch() on Node 20 needs tf's preload: keep `--import=…preload.mjs` in NODE_OPTIONS (Node ≥ 20.18)",
    },
    {
      id: "node-https",
      label: "node https",
      command: "node",
      args: ["-e", nodeHttps, url("node-https")],
      caVariable: "NODE_EXTRA_CA_CERTS",
      proxyFix: "node:https uses tf's preload agent: keep `--import=…preload.mjs` in NODE_OPTIONS",
    },
    {
      id: "git",
      label: "git",
      command: "git",
      args: ["-c", "credential.helper=", "ls-remote", url("git")],
      caVariable: "GIT_SSL_CAINFO",
      proxyFix:
        "git reads https_proxy: check `git config --get http.proxy` and `http.sslCAInfo`, which override it",
    },
  );
  return probes;
}

/**
 * Reads a probe's outcome: it passed when the child succeeded and the target saw the
 * request with the gateway's agent header and the injected credential.
 */
export function judgeProbe(
  probe: Probe,
  outcome: { exitCode: number | null; output: string; spawnError?: string },
  seen: { agent: string | undefined; authorization: string | undefined } | undefined,
  caBundlePath: string,
): ProbeVerdict {
  if (outcome.spawnError !== undefined) return { kind: "missing", detail: outcome.spawnError };
  if (outcome.output.includes("TF_DOCTOR_MISSING"))
    return { kind: "missing", detail: "module not installed" };
  if (
    outcome.exitCode === 0 &&
    seen?.agent === doctorAgent &&
    seen.authorization === `Bearer ${doctorSecret}`
  ) {
    return { kind: "ok" };
  }
  if (outcome.exitCode === 0 && seen !== undefined) {
    return {
      kind: "failed",
      problem: "reached the target without the gateway's agent header or injected credential",
      fix: probe.proxyFix,
    };
  }
  const text = outcome.output;
  if (/certificate|CERTIFICATE_VERIFY_FAILED|SSL|self[- ]signed|issuer|UNABLE_TO_VERIFY/i.test(text)) {
    return {
      kind: "failed",
      problem: "does not trust the gateway's ca",
      fix: `set ${probe.caVariable}=${caBundlePath} (tf run does), or remove the setting that overrides it`,
    };
  }
  if (/resolve|ENOTFOUND|EAI_AGAIN|getaddrinfo|Name or service not known|nodename nor servname/i.test(text)) {
    return { kind: "failed", problem: "does not use the proxy variables", fix: probe.proxyFix };
  }
  if (/\b407\b/.test(text)) {
    return { kind: "failed", problem: "did not send the proxy credentials", fix: probe.proxyFix };
  }
  if (/\b403\b|kill.?switch/i.test(text)) {
    return {
      kind: "failed",
      problem: "the gateway denied the request (is a kill switch active? see `tf status`)",
      fix: "tf resume",
    };
  }
  const last = text.trim().split("\n").at(-1)?.trim() ?? "";
  return {
    kind: "failed",
    problem: last === "" ? `exited with code ${outcome.exitCode}` : last.slice(0, 200),
    fix: probe.proxyFix,
  };
}
