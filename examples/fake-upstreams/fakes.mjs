#!/usr/bin/env node
// Fake GitHub, Stripe, OpenAI and Slack APIs on 127.0.0.1 over HTTPS, so the examples run offline.
//
// Each fake is its own HTTPS server (the gateway's connector `upstream:` points at one origin per
// API). They share one certificate for `127.0.0.1` and `localhost`, signed by a CA minted at start:
// its PEM is written to `caPath` (the policy document's `upstream_ca`); its key never leaves memory.
// Every request must carry the real key the fake was started with, as the real API would check it:
// anything else (the agent's `tf_dummy_…`, nothing, another key) gets the API's 401 JSON. Each
// request is recorded in `hits` with the credential classified, never the credential itself.
//
// Library: `import { startFakes } from "./fakes.mjs"` (types in fakes.d.mts).
// CLI:     `node examples/fake-upstreams/fakes.mjs [--ca-path FILE] [--port-base N]` (see --help).

import { randomBytes, webcrypto } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto);

/** The APIs there is a fake for, in the order of their fixed CLI ports (`--port-base` + index). */
export const fakeServices = ["github", "stripe", "openai", "slack"];

/** Obviously fake "real" keys the CLI expects unless the environment names others. */
export const exampleKeys = {
  github: "ghp_example_real_token",
  stripe: "sk_test_example_real_key",
  openai: "sk-example-real-openai-key",
  slack: "xoxb-example-real-slack-token",
};

/** The environment variable holding each API's real key (what `tf` reads and the CLI checks). */
export const keyEnv = {
  github: "GITHUB_TOKEN",
  stripe: "STRIPE_API_KEY",
  openai: "OPENAI_API_KEY",
  slack: "SLACK_BOT_TOKEN",
};

const maxBodyBytes = 1024 * 1024;
const dayMs = 24 * 3600 * 1000;

/**
 * Starts the fakes named in `options` (at least one) and resolves once all of them listen.
 * @param {import("./fakes.d.mts").FakesOptions} options
 * @returns {Promise<import("./fakes.d.mts").Fakes>}
 */
export async function startFakes(options = {}) {
  const wanted = fakeServices.filter((service) => options[service] !== undefined);
  if (wanted.length === 0) {
    throw new Error(`startFakes: name at least one of ${fakeServices.join(", ")} with its real \`key\``);
  }
  for (const name of Object.keys(options)) {
    if (!fakeServices.includes(name) && name !== "caPath" && name !== "onHit") {
      throw new Error(`startFakes: unknown option \`${name}\``);
    }
  }
  for (const service of wanted) checkServiceOptions(service, options[service]);

  const tls = await mintTls();
  const ownDir = options.caPath === undefined ? mkdtempSync(join(tmpdir(), "tf-fakes-")) : undefined;
  const caPath = resolve(options.caPath ?? join(/** @type {string} */ (ownDir), "fakes-ca.pem"));
  mkdirSync(dirname(caPath), { recursive: true });
  writeFileSync(caPath, tls.caPem);

  /** @type {import("./fakes.d.mts").FakeHit[]} */
  const hits = [];
  /** @type {Record<string, string>} */
  const urls = {};
  /** @type {import("node:https").Server[]} */
  const servers = [];
  const cleanup = async () => {
    await Promise.all(servers.map(closeServer));
    rmSync(ownDir ?? caPath, { recursive: true, force: true });
  };
  try {
    for (const service of wanted) {
      const { key, port = 0 } = options[service];
      const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        handle(service, key, req, res, (hit) => {
          hits.push(hit);
          options.onHit?.(hit);
        });
      });
      servers.push(server);
      await listen(server, port, service);
      const address = /** @type {import("node:net").AddressInfo} */ (server.address());
      urls[service] = `https://127.0.0.1:${address.port}`;
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    urls: /** @type {import("./fakes.d.mts").Fakes["urls"]} */ (urls),
    caPath,
    caPem: tls.caPem,
    hits,
    close: cleanup,
  };
}

/** @param {string} service @param {unknown} value */
function checkServiceOptions(service, value) {
  if (typeof value !== "object" || value === null) {
    throw new Error(`startFakes: \`${service}\` must be an object with the real \`key\``);
  }
  const { key, port } = /** @type {{ key?: unknown, port?: unknown }} */ (value);
  if (typeof key !== "string" || key.trim() === "" || /\s/.test(key)) {
    throw new Error(`startFakes: \`${service}.key\` must be a non-empty string without spaces`);
  }
  if (key.startsWith("tf_dummy_")) {
    throw new Error(`startFakes: \`${service}.key\` is a tf dummy value, not a real key`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`startFakes: \`${service}.port\` must be an integer from 0 to 65535`);
  }
}

/** @param {import("node:https").Server} server @param {number} port @param {string} service */
function listen(server, port, service) {
  return new Promise((resolvePromise, reject) => {
    const onError = (/** @type {NodeJS.ErrnoException} */ error) => {
      const why =
        error.code === "EADDRINUSE" ? "is in use" : `cannot be used (${error.code ?? error.message})`;
      reject(new Error(`fake ${service}: port ${port} on 127.0.0.1 ${why}`, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.removeListener("error", onError);
      resolvePromise(undefined);
    });
  });
}

/** @param {import("node:https").Server} server */
function closeServer(server) {
  if (!server.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolvePromise) => server.close(() => resolvePromise(undefined)));
}

/**
 * One request: read the body (capped), classify the credential, answer as the API would.
 * @param {string} service
 * @param {string} key
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {(hit: import("./fakes.d.mts").FakeHit) => void} record
 */
function handle(service, key, req, res, record) {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > maxBodyBytes) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on("error", () => res.destroy());
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "https://fake.invalid");
    const contentType = header(req, "content-type") ?? null;
    const text = Buffer.concat(chunks).toString("utf8");
    const body = tooLarge ? null : parseBody(text, contentType);
    const credential = classifyCredential(header(req, "authorization"), key);
    const reply = tooLarge
      ? { status: 413, body: { error: "request body over 1 MiB" } }
      : credential === "real"
        ? route(service, req.method ?? "GET", url, body)
        : unauthorized(service);
    record({
      service,
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.search,
      credential,
      agent: header(req, "x-tameflare-agent") ?? null,
      requestId: header(req, "x-tameflare-request-id") ?? null,
      contentType,
      body,
      status: reply.status,
    });
    if (reply.body === undefined) res.writeHead(reply.status).end();
    else res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  });
}

/** @param {import("node:http").IncomingMessage} req @param {string} name */
function header(req, name) {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What the request's `Authorization` carried, compared with the real key (Bearer, GitHub's
 * `token`, or Basic with the key as user or password as Stripe and git accept).
 * @param {string | undefined} authorization
 * @param {string} key
 * @returns {import("./fakes.d.mts").CredentialSeen}
 */
export function classifyCredential(authorization, key) {
  if (authorization === undefined || authorization.trim() === "") return "missing";
  const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
  let secrets = [value];
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    secrets = colon === -1 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  } else if (!["bearer", "token"].includes(scheme.toLowerCase())) {
    return "wrong";
  }
  if (secrets.includes(key)) return "real";
  if (secrets.some((s) => s.startsWith("tf_dummy_"))) return "dummy";
  return "wrong";
}

/** @param {string} text @param {string | null} contentType */
function parseBody(text, contentType) {
  if (text === "") return null;
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) {
    /** @type {Record<string, string | string[]>} */
    const form = {};
    for (const [name, value] of new URLSearchParams(text)) {
      const seen = form[name];
      form[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    return form;
  }
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: keep the text (the fakes answer 400 where they need fields from it).
    return text;
  }
}

/** @param {string} service */
function unauthorized(service) {
  switch (service) {
    case "github":
      return {
        status: 401,
        body: {
          message: "Bad credentials",
          documentation_url: "https://docs.github.com/rest",
          status: "401",
        },
      };
    case "stripe":
      return {
        status: 401,
        body: { error: { type: "invalid_request_error", message: "Invalid API Key provided." } },
      };
    case "openai":
      return {
        status: 401,
        body: {
          error: {
            message: "Incorrect API key provided.",
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        },
      };
    default:
      return { status: 401, body: { ok: false, error: "invalid_auth" } };
  }
}

/**
 * @param {string} service
 * @param {string} method
 * @param {URL} url
 * @param {unknown} body
 * @returns {{ status: number, body?: unknown }}
 */
function route(service, method, url, body) {
  switch (service) {
    case "github":
      return github(method, url.pathname, body);
    case "stripe":
      return stripe(method, url.pathname, body);
    case "openai":
      return openai(method, url.pathname, body);
    default:
      return slack(method, url.pathname, body, url.searchParams);
  }
}

/** @param {unknown} value @returns {Record<string, unknown>} */
function fields(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? /** @type {Record<string, unknown>} */ (value)
    : {};
}

/** A random id suffix, as the real APIs' ids look. */
function newId() {
  return randomBytes(8).toString("hex");
}

/** @param {string} method @param {string} path @param {unknown} body */
function github(method, path, body) {
  const repoPath = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
  const issuesPath = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path);
  if (method === "GET" && path === "/user")
    return { status: 200, body: { login: "tameflare-example", id: 1 } };
  if (repoPath !== null && method === "GET") {
    const [, owner, repo] = repoPath;
    return {
      status: 200,
      body: {
        id: 4242,
        name: repo,
        full_name: `${owner}/${repo}`,
        private: false,
        default_branch: "main",
        owner: { login: owner },
        open_issues_count: 3,
      },
    };
  }
  if (repoPath !== null && method === "DELETE") return { status: 204 };
  if (issuesPath !== null && method === "POST") {
    const { title, body: text } = fields(body);
    if (typeof title !== "string" || title === "") {
      return {
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [{ resource: "Issue", field: "title", code: "missing_field" }],
        },
      };
    }
    const [, owner, repo] = issuesPath;
    const number = 100 + randomBytes(2).readUInt16BE(0);
    return {
      status: 201,
      body: {
        number,
        title,
        body: typeof text === "string" ? text : null,
        state: "open",
        html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
      },
    };
  }
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

/** @param {string} method @param {string} path @param {unknown} body */
function stripe(method, path, body) {
  const form = fields(body);
  if (method === "POST" && path === "/v1/refunds") {
    const charge = typeof form.charge === "string" ? form.charge : undefined;
    const intent = typeof form.payment_intent === "string" ? form.payment_intent : undefined;
    if (charge === undefined && intent === undefined) {
      return stripeError(400, "You must pass either `charge` or `payment_intent`.");
    }
    const amount = form.amount === undefined ? 5000 : Number(form.amount);
    if (!Number.isInteger(amount) || amount <= 0) return stripeError(400, "Invalid integer: amount");
    return {
      status: 200,
      body: {
        id: `re_${newId()}`,
        object: "refund",
        amount,
        charge: charge ?? null,
        payment_intent: intent ?? null,
        currency: "usd",
        status: "succeeded",
      },
    };
  }
  const chargePath = /^\/v1\/charges\/([^/]+)$/.exec(path);
  if (method === "GET" && chargePath !== null) {
    return {
      status: 200,
      body: { id: chargePath[1], object: "charge", amount: 5000, currency: "usd", refunded: false },
    };
  }
  if (method === "GET" && path === "/v1/balance") {
    return { status: 200, body: { object: "balance", available: [{ amount: 120000, currency: "usd" }] } };
  }
  return stripeError(404, `Unrecognized request URL (${method}: ${path}).`);
}

/** @param {number} status @param {string} message */
function stripeError(status, message) {
  return { status, body: { error: { type: "invalid_request_error", message } } };
}

/** @param {string} method @param {string} path @param {unknown} body */
function openai(method, path, body) {
  if (method === "GET" && path === "/v1/models") {
    return {
      status: 200,
      body: { object: "list", data: [{ id: "gpt-4o-mini", object: "model", owned_by: "fake" }] },
    };
  }
  if (method === "POST" && path === "/v1/chat/completions") {
    const { model, messages } = fields(body);
    if (typeof model !== "string" || !Array.isArray(messages) || messages.length === 0) {
      return {
        status: 400,
        body: {
          error: {
            message: "`model` and a non-empty `messages` array are required.",
            type: "invalid_request_error",
            param: null,
            code: null,
          },
        },
      };
    }
    const last = fields(messages[messages.length - 1]).content;
    const words = typeof last === "string" ? last.split(/\s+/).filter(Boolean).length : 0;
    return {
      status: 200,
      body: {
        id: `chatcmpl-${newId()}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: `Fake summary of a ${words}-word message: all good.` },
            finish_reason: "stop",
          },
        ],
        usage: { prompt_tokens: words, completion_tokens: 9, total_tokens: words + 9 },
      },
    };
  }
  return {
    status: 404,
    body: {
      error: {
        message: `Invalid URL (${method} ${path})`,
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    },
  };
}

/**
 * Slack's Web API answers 200 with `ok: false` for most errors; only unknown paths are 404.
 * @param {string} method @param {string} path @param {unknown} body @param {URLSearchParams} query
 */
function slack(method, path, body, query) {
  const args = { ...Object.fromEntries(query), ...fields(body) };
  if (path === "/api/auth.test") {
    return { status: 200, body: { ok: true, team: "Acme", user: "tameflare-example-bot" } };
  }
  if (path === "/api/chat.postMessage" && method === "POST") {
    const channel = args.channel;
    if (typeof channel !== "string" || channel === "") {
      return { status: 200, body: { ok: false, error: "channel_not_found" } };
    }
    const ts = `${Math.floor(Date.now() / 1000)}.${String(randomBytes(3).readUIntBE(0, 3)).padStart(8, "0")}`;
    const text = typeof args.text === "string" ? args.text : "";
    return { status: 200, body: { ok: true, channel, ts, message: { type: "message", text, ts } } };
  }
  return { status: 404, body: { ok: false, error: "unknown_method" } };
}

/** A CA and one leaf for 127.0.0.1 + localhost, ECDSA P-256, valid for a week. */
async function mintTls() {
  const p256 = { name: "ECDSA", namedCurve: "P-256" };
  const sha256 = { name: "ECDSA", hash: "SHA-256" };
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(p256, false, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=TameFlare examples fake upstreams CA",
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 7 * dayMs),
    keys: caKeys,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = await webcrypto.subtle.generateKey(p256, true, ["sign", "verify"]);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=127.0.0.1",
    issuer: ca.subject,
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 7 * dayMs),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString("base64")
    .replace(/.{64}/g, "$&\n")
    .replace(/\n$/, "")}\n-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString("pem"), certPem: leaf.toString("pem"), keyPem };
}

function serial() {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

// ---------------------------------------------------------------------------------------------
// CLI

const usage = `Usage: node examples/fake-upstreams/fakes.mjs [--ca-path FILE] [--port-base N]

Starts fake GitHub, Stripe, OpenAI and Slack APIs on 127.0.0.1 over HTTPS for the examples.
  --ca-path FILE  where to write the fakes' CA certificate (default: examples/.fakes/ca.pem,
                  the path the examples' tameflare.yaml files name as upstream_ca)
  --port-base N   github on N, stripe N+1, openai N+2, slack N+3 (default 9443, as in the
                  examples' yaml files; 0 = any free ports)
Each fake expects the real key from the same variable tf reads (GITHUB_TOKEN, STRIPE_API_KEY,
OPENAI_API_KEY, SLACK_BOT_TOKEN); unset, it expects the example key printed at start.
Ctrl-C stops them and removes the CA file.`;

/** @param {string[]} argv @param {Record<string, string | undefined>} env */
async function main(argv, env) {
  let caPath = fileURLToPath(new URL("../.fakes/ca.pem", import.meta.url));
  let portBase = 9443;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(usage);
      return;
    }
    const value = argv[i + 1];
    if ((arg === "--ca-path" || arg === "--port-base") && (value === undefined || value.startsWith("--"))) {
      throw new Error(`\`${arg}\` needs a value`);
    }
    if (arg === "--ca-path") caPath = resolve(/** @type {string} */ (value));
    else if (arg === "--port-base") {
      portBase = Number(value);
      if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65532) {
        throw new Error(`\`--port-base\` must be an integer from 0 to 65532, got \`${value}\``);
      }
    } else throw new Error(`unknown argument \`${arg}\` (see --help)`);
    i += 1;
  }
  /** @type {import("./fakes.d.mts").FakesOptions} */
  const options = { caPath };
  const fromEnv = new Set();
  fakeServices.forEach((service, index) => {
    const given = env[keyEnv[service]];
    if (given !== undefined && given !== "") fromEnv.add(service);
    options[service] = {
      key: given !== undefined && given !== "" ? given : exampleKeys[service],
      port: portBase === 0 ? 0 : portBase + index,
    };
  });
  options.onHit = (hit) => {
    console.log(`${hit.service} ${hit.method} ${hit.path} -> ${hit.status} (credential: ${hit.credential})`);
  };
  const fakes = await startFakes(options);
  // Handlers before the ready lines: whoever waits for them may stop us right away.
  const stop = () => {
    fakes.close().then(
      () => process.exit(0),
      (error) => {
        console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log(`fake upstreams on 127.0.0.1 (HTTPS), CA certificate: ${fakes.caPath}`);
  for (const service of fakeServices) {
    // A key from the environment may be someone's real one: name the variable, never print it.
    const expects = fromEnv.has(service)
      ? `the key in $${keyEnv[service]}`
      : `${keyEnv[service]}=${exampleKeys[service]}`;
    console.log(`  ${service.padEnd(7)} ${fakes.urls[service]}  expects ${expects}`);
  }
  const unset = fakeServices.filter((service) => !fromEnv.has(service));
  if (unset.length > 0) {
    console.log("Give tf the same keys, e.g.:");
    for (const service of unset) console.log(`  export ${keyEnv[service]}=${exampleKeys[service]}`);
  }
  console.log("Ctrl-C to stop.");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), process.env).catch((error) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
