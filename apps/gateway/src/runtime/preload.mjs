// biome-ignore-all lint/style/noProcessEnv: a preload runs inside the agent's process and reads its proxy variables.
/**
 * Loaded by `tf run` into every Node process of the agent (`NODE_OPTIONS=--import=…`).
 * Node 20 ignores `HTTP(S)_PROXY`: this routes the global `fetch` (undici's
 * `EnvHttpProxyAgent`) and the global agents of `node:http` / `node:https` through the
 * gateway. Plain JavaScript without dependencies other than undici (bundled into
 * `dist/preload.mjs`), because it runs in whatever Node the agent uses.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";

const marker = Symbol.for("tameflare.preload");

/** Parses `NO_PROXY` into a matcher: `*`, exact hosts, `.suffix` / `suffix` domains, `host:port`. */
export function noProxyMatcher(value) {
  const entries = (value ?? "")
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "");
  return (hostname, port) => {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
    for (const entry of entries) {
      if (entry === "*") return true;
      let pattern = entry;
      let entryPort;
      const portMatch = /^(.*):(\d+)$/.exec(entry);
      if (portMatch && !entry.includes("]") && (portMatch[1] ?? "").split(":").length === 1) {
        pattern = portMatch[1] ?? "";
        entryPort = portMatch[2];
      }
      if (entryPort !== undefined && String(port) !== entryPort) continue;
      const bare = pattern.replace(/^\*?\./, "");
      if (host === bare || host.endsWith(`.${bare}`)) return true;
    }
    return false;
  };
}

/** The proxy for a target scheme from the environment, or undefined. */
export function proxyFor(env, scheme) {
  const raw =
    scheme === "https"
      ? (env.https_proxy ?? env.HTTPS_PROXY ?? env.all_proxy ?? env.ALL_PROXY)
      : (env.http_proxy ?? env.HTTP_PROXY ?? env.all_proxy ?? env.ALL_PROXY);
  if (raw === undefined || raw === "") return undefined;
  const url = new URL(raw.includes("://") ? raw : `http://${raw}`);
  if (url.protocol !== "http:") return undefined;
  return url;
}

function proxyAuthorization(proxyUrl) {
  if (proxyUrl.username === "" && proxyUrl.password === "") return undefined;
  const user = decodeURIComponent(proxyUrl.username);
  const pass = decodeURIComponent(proxyUrl.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}

function authority(host, port) {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Opens a `CONNECT` tunnel through the proxy; calls back with the raw socket. */
export function connectTunnel(proxyUrl, host, port, callback) {
  const target = authority(host, port);
  const socket = net.connect({
    host: proxyUrl.hostname.replace(/^\[|\]$/g, ""),
    port: Number(proxyUrl.port || 80),
  });
  let buffered = Buffer.alloc(0);
  let settled = false;
  const fail = (error) => {
    if (settled) return;
    settled = true;
    socket.destroy();
    callback(error);
  };
  socket.once("error", fail);
  socket.once("close", () =>
    fail(new Error(`proxy closed the connection before the CONNECT to ${target} completed`)),
  );
  socket.once("connect", () => {
    const auth = proxyAuthorization(proxyUrl);
    socket.write(
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ""}\r\n`,
    );
  });
  const onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf("\r\n\r\n");
    if (end === -1) {
      if (buffered.length > 64 * 1024) fail(new Error("proxy sent an oversized CONNECT response"));
      return;
    }
    socket.removeListener("data", onData);
    const head = buffered.subarray(0, end).toString("latin1");
    const rest = buffered.subarray(end + 4);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    if (status !== 200) {
      fail(new Error(`proxy refused CONNECT to ${target} with status ${status}`));
      return;
    }
    settled = true;
    socket.removeAllListeners("error");
    socket.removeAllListeners("close");
    if (rest.length > 0) socket.unshift(rest);
    callback(null, socket);
  };
  socket.on("data", onData);
}

/** `node:https` agent that tunnels every connection through the proxy with `CONNECT`. */
export class TunnelingHttpsAgent extends https.Agent {
  constructor(env, options) {
    super({ keepAlive: true, ...options });
    this.env = env;
    this.noProxy = noProxyMatcher(env.no_proxy ?? env.NO_PROXY);
  }

  createConnection(options, callback) {
    const proxyUrl = proxyFor(this.env, "https");
    const host = options.host ?? options.hostname ?? "localhost";
    const port = Number(options.port ?? 443);
    if (proxyUrl === undefined || options.socketPath || this.noProxy(host, port)) {
      return super.createConnection(options, callback);
    }
    connectTunnel(proxyUrl, host, port, (error, socket) => {
      if (error) {
        callback(error);
        return;
      }
      const servername = options.servername ?? (net.isIP(host) ? undefined : host);
      const secure = tls.connect({ ...options, socket, servername });
      callback(null, secure);
    });
    return undefined;
  }
}

/** `node:http` agent that sends plain-HTTP requests to the proxy in absolute form. */
export class ForwardingHttpAgent extends http.Agent {
  constructor(env, options) {
    super({ keepAlive: true, ...options });
    this.env = env;
    this.noProxy = noProxyMatcher(env.no_proxy ?? env.NO_PROXY);
  }

  addRequest(req, options) {
    const proxyUrl = proxyFor(this.env, "http");
    const host = options.host ?? options.hostname ?? "localhost";
    const port = Number(options.port ?? 80);
    // A request already in absolute form is addressed to a proxy by its caller (axios does this).
    if (
      proxyUrl === undefined ||
      options.socketPath ||
      /^[a-z]+:\/\//i.test(req.path) ||
      this.noProxy(host, port)
    ) {
      super.addRequest(req, options);
      return;
    }
    req.path = `http://${port === 80 ? (host.includes(":") ? `[${host}]` : host) : authority(host, port)}${req.path}`;
    const auth = proxyAuthorization(proxyUrl);
    if (auth !== undefined) req.setHeader("Proxy-Authorization", auth);
    super.addRequest(req, {
      ...options,
      host: proxyUrl.hostname.replace(/^\[|\]$/g, ""),
      hostname: proxyUrl.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxyUrl.port || 80),
    });
  }
}

/** True when this Node routes `node:http(s)` through the proxy variables by itself. */
function nodeHonoursEnvProxy(env) {
  return env.NODE_USE_ENV_PROXY === "1" && process.allowedNodeEnvironmentFlags.has("--use-env-proxy");
}

async function install() {
  const env = process.env;
  if (globalThis[marker] === true) return;
  globalThis[marker] = true;
  if (proxyFor(env, "https") === undefined && proxyFor(env, "http") === undefined) return;
  if (!nodeHonoursEnvProxy(env)) {
    https.globalAgent = new TunnelingHttpsAgent(env);
    http.globalAgent = new ForwardingHttpAgent(env);
  }
  try {
    const undici = await import("undici");
    // proxyTunnel false: plain-http targets go to the proxy in absolute form (as curl does),
    // not through a CONNECT tunnel the gateway would expect to carry TLS.
    undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent({ proxyTunnel: false }));
  } catch (error) {
    // The agent keeps running, but its fetch() would not reach the gateway: say so loudly.
    process.stderr.write(
      `tameflare: fetch() is not routed through the gateway: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
}

await install();
