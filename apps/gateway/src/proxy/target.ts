import { isIP } from "node:net";

/** Where the agent meant to go. `path` is raw (never normalised here: connectors do it). */
export interface Target {
  scheme: "http" | "https";
  host: string;
  port: number;
  path: string;
  query: string;
}

const defaultPorts = { http: 80, https: 443 } as const;

/** `host:port` of a CONNECT request (`[v6]:port` too). */
export function parseAuthority(
  authority: string,
  defaultPort: number | undefined,
): { host: string; port: number } | undefined {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const end = authority.indexOf("]");
    if (end === -1) return undefined;
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) return undefined;
    portText = rest === "" ? undefined : rest.slice(1);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
  }
  if (host === "" || !/^[A-Za-z0-9.\-_:%]+$/.test(host)) return undefined;
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: host.toLowerCase(), port };
}

/** Splits an origin-form request target into raw path and query (a fragment is dropped). */
export function splitPath(originForm: string): { path: string; query: string } {
  const hash = originForm.indexOf("#");
  const target = hash === -1 ? originForm : originForm.slice(0, hash);
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  return { path: path === "" ? "/" : path, query: q === -1 ? "" : target.slice(q + 1) };
}

/** Parses an absolute-form request target (`http://host:port/path?q`); ws(s) count as http(s). */
export function parseAbsoluteForm(url: string): Target | undefined {
  const m = /^(https?|wss?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return undefined;
  const raw = (m[1] as string).toLowerCase();
  const scheme = raw === "https" || raw === "wss" ? "https" : "http";
  let authority = m[2] as string;
  const at = authority.lastIndexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  const hp = parseAuthority(authority, defaultPorts[scheme]);
  if (!hp) return undefined;
  const rest = m[3] as string;
  const { path, query } = splitPath(rest.startsWith("/") || rest === "" ? rest : `/${rest}`);
  return { scheme, host: hp.host, port: hp.port, path, query };
}

/** `host` or `host:port` when the port is not the scheme's default (IPv6 bracketed). */
export function authorityOf(scheme: "http" | "https", host: string, port: number): string {
  // Only an IPv6 literal holds a colon (a host parsed here never carries its port).
  const h = host.includes(":") && isIP(host) === 6 ? `[${host}]` : host;
  return port === defaultPorts[scheme] ? h : `${h}:${port}`;
}

/**
 * `exclude_domains` matching, like NO_PROXY: `example.com` and `.example.com` cover the
 * domain and its subdomains, `*.example.com` only subdomains, `*` everything.
 */
export function isExcluded(host: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const h = host.toLowerCase().replace(/\.$/, "");
  for (const raw of patterns) {
    const p = raw.toLowerCase().replace(/\.$/, "");
    if (p === "*") return true;
    if (p.startsWith("*.")) {
      if (h.endsWith(p.slice(1))) return true;
      continue;
    }
    const base = p.startsWith(".") ? p.slice(1) : p;
    if (h === base || h.endsWith(`.${base}`)) return true;
  }
  return false;
}
