import type { Action, ConnectorConfig, ParseErrorCode, RequestSnapshot } from "@tameflare/contracts";
import type { ConnectorRegistry } from "../registry.ts";

/**
 * A golden fixture file: connector configs (the default is one connector of
 * the vendor's type) and cases `request → expected actions` run through the
 * registry, exactly as the gateway runs them (match, needsBody, parse).
 */
export interface FixtureFile {
  connectors?: ConnectorConfig[];
  cases: FixtureCase[];
}

export interface FixtureRequest {
  method: string;
  /** `scheme://authority/raw/path?query`, split without any normalisation. */
  url: string;
  headers?: Record<string, string | string[]>;
  contentType?: string;
  /** A JSON body (serialised as is). */
  json?: unknown;
  /** A raw body. */
  body?: string;
  /** Marks the body prefix as cut short. */
  truncated?: boolean;
  upgrade?: boolean;
  /** Overrides the port taken from the URL (0 = unknown). */
  port?: number;
  /** Overrides the host taken from the URL (for hosts a URL cannot spell). */
  host?: string;
}

export interface FixtureCase {
  /** The guarantee the case protects. */
  name: string;
  request: FixtureRequest;
  /** The connector expected to own the request; `null` when none should. Default: the first. */
  connector?: string | null;
  /** Expected `needsBody` of the head, when the case pins it. */
  needsBody?: boolean;
  /** Expected actions (`connector` defaults to the matched connector's name), or a failure code. */
  expect?: { actions: Array<Omit<Action, "connector"> & { connector?: string }> } | { error: ParseErrorCode };
}

/** Builds the snapshot a gateway would hand the connector, keeping the URL raw. */
export function snapshotOf(request: FixtureRequest): RequestSnapshot {
  const m = /^(https?|wss?):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/.exec(request.url);
  if (m === null) throw new Error(`fixture url \`${request.url}\` is not scheme://authority/path`);
  const scheme = m[1] as RequestSnapshot["scheme"];
  const authority = m[2] as string;
  let host = authority;
  let port = scheme === "https" || scheme === "wss" ? 443 : 80;
  const v6 = /^(\[[^\]]*\])(?::(\d+))?$/.exec(authority);
  if (v6 !== null) {
    host = v6[1] as string;
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon !== -1 && /^\d+$/.test(authority.slice(colon + 1))) {
      host = authority.slice(0, colon);
      port = Number(authority.slice(colon + 1));
    }
  }
  const snapshot: RequestSnapshot = {
    method: request.method,
    scheme,
    host: request.host ?? host,
    port: request.port ?? port,
    path: m[3] === "" ? "/" : (m[3] as string),
    query: m[4] ?? "",
    headers: { ...request.headers },
  };
  const contentType = request.contentType ?? (request.json !== undefined ? "application/json" : undefined);
  if (contentType !== undefined) {
    snapshot.contentType = contentType;
    snapshot.headers["content-type"] ??= contentType;
  }
  const text = request.json !== undefined ? JSON.stringify(request.json) : request.body;
  if (text !== undefined) snapshot.body = { text, truncated: request.truncated === true };
  if (request.upgrade === true) snapshot.upgrade = true;
  return snapshot;
}

/** What running a case produced, in the shape of `FixtureCase`. */
export function runCase(
  registry: ConnectorRegistry,
  testCase: FixtureCase,
): { connector: string | null; needsBody?: boolean; expect?: FixtureCase["expect"] } {
  const snapshot = snapshotOf(testCase.request);
  const bound = registry.match(snapshot);
  if (bound === undefined) return { connector: null };
  const { body: _body, ...head } = snapshot;
  const result = bound.parse(snapshot);
  return {
    connector: bound.name,
    needsBody: bound.needsBody(head),
    expect: result.ok ? { actions: result.actions } : { error: result.code },
  };
}
