import type { RouteSpec } from "../types.ts";

type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

interface CompiledRoute<S> {
  spec: S;
  segments: Segment[];
}

/** A matched route and its captured parameters (a `{rest*}` joined with `/`). */
export interface RouteMatch<S = RouteSpec> {
  spec: S;
  params: Record<string, string>;
}

/**
 * A compiled route table: `match(method, segments)` finds the most specific
 * route. For case-insensitive matching pass lower-cased `segments` and the
 * request's own segments as `original`: parameters are read from `original`
 * (same length), so ids and paths keep their case.
 */
export interface RouteTable<S = RouteSpec> {
  match(method: string, segments: readonly string[], original?: readonly string[]): RouteMatch<S> | undefined;
}

/** Lower-cases the static segments of a template, leaving `{name}` parameters as written. */
export function lowerCaseTemplate(path: string): string {
  return path
    .split("/")
    .map((s) => (s.startsWith("{") ? s : s.toLowerCase()))
    .join("/");
}

const SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)(\*)?\}$/;
const REST_NAME = "rest";

/**
 * Checks a path template (`/v1/items/{id}`, trailing `{path*}` or `*`) and
 * returns a one-sentence problem, or `undefined` when it is valid. Used to
 * report user-written (custom connector) templates with a document path.
 */
export function checkRouteTemplate(path: string): string | undefined {
  if (!path.startsWith("/")) return `path template \`${path}\` must start with \`/\``;
  const parts = path.split("/").filter((s) => s !== "");
  const names = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const isLast = i === parts.length - 1;
    if (part === "*") {
      if (!isLast) return `path template \`${path}\`: \`*\` may only end a template`;
      continue;
    }
    if (part.includes("{") || part.includes("}")) {
      const m = SEGMENT.exec(part);
      if (m === null) {
        return `path template \`${path}\`: segment \`${part}\` must be a whole \`{name}\` or \`{name*}\``;
      }
      if (m[2] && !isLast) return `path template \`${path}\`: \`${part}\` may only end a template`;
      const name = m[1] as string;
      if (name === "__proto__") return `path template \`${path}\`: \`__proto__\` is not a parameter name`;
      if (names.has(name)) return `path template \`${path}\`: parameter \`${name}\` appears twice`;
      names.add(name);
      continue;
    }
    if (part === "." || part === "..") return `path template \`${path}\` may not contain dot segments`;
  }
  return undefined;
}

function parseTemplate(path: string): Segment[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s): Segment => {
      if (s === "*") return { kind: "rest", name: REST_NAME };
      const m = SEGMENT.exec(s);
      if (m === null) return { kind: "static", value: s };
      return m[2] ? { kind: "rest", name: m[1] as string } : { kind: "param", name: m[1] as string };
    });
}

const RANK = { static: 0, param: 1, rest: 2 } as const;

/**
 * Most specific first: at the first position where two templates differ in
 * kind, a static segment beats a `{param}`, which beats a `{rest*}`. So
 * `/repos/{o}/{r}/issues/comments` wins over `/repos/{o}/{r}/issues/{number}`.
 */
function compareSpecificity<S>(a: CompiledRoute<S>, b: CompiledRoute<S>): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
    const d = RANK[x.kind] - RANK[y.kind];
    if (d !== 0) return d;
  }
  return 0;
}

interface MethodTable<S> {
  /** Routes whose first segment is this static value, merged with dynamic-first routes. */
  byFirst: Map<string, CompiledRoute<S>[]>;
  /** Routes whose first segment is dynamic (used when no static bucket exists). */
  dynamic: CompiledRoute<S>[];
}

/**
 * Compiles templates like `/repos/{owner}/{repo}/pulls/{number}/merge` (a
 * trailing `{path*}` or `*` captures the rest, at least one segment) once.
 * Method `*` matches any method. Routes are bucketed by method and first
 * segment with candidates pre-sorted most specific first, so a lookup touches
 * few routes and allocates only the captured parameters.
 */
export function compileRoutes<S extends { method: string; path: string }>(
  routes: readonly S[],
): RouteTable<S> {
  const all = routes.map((spec): CompiledRoute<S> => ({ spec, segments: parseTemplate(spec.path) }));
  const anyMethod = all.filter((r) => r.spec.method === "*");
  const methods = new Set(all.map((r) => r.spec.method.toUpperCase()).filter((m) => m !== "*"));

  const build = (list: CompiledRoute<S>[]): MethodTable<S> => {
    const dynamic = list.filter((r) => r.segments[0]?.kind !== "static" && r.segments.length > 0);
    const byFirst = new Map<string, CompiledRoute<S>[]>();
    for (const r of list) {
      const first = r.segments[0];
      const key = first === undefined ? "" : first.kind === "static" ? first.value : undefined;
      if (key === undefined) continue;
      const bucket = byFirst.get(key) ?? [];
      bucket.push(r);
      byFirst.set(key, bucket);
    }
    for (const [key, bucket] of byFirst) {
      const merged = key === "" ? bucket : [...bucket, ...dynamic];
      byFirst.set(key, merged.sort(compareSpecificity));
    }
    dynamic.sort(compareSpecificity);
    return { byFirst, dynamic };
  };

  const tables = new Map<string, MethodTable<S>>();
  for (const m of methods) {
    tables.set(m, build([...all.filter((r) => r.spec.method.toUpperCase() === m), ...anyMethod]));
  }
  const fallback = build(anyMethod);

  return {
    match(method, segments, original) {
      const table = tables.get(method) ?? tables.get(method.toUpperCase()) ?? fallback;
      const candidates = table.byFirst.get(segments[0] ?? "") ?? table.dynamic;
      const source = original !== undefined && original.length === segments.length ? original : segments;
      for (const route of candidates) {
        const params = matchSegments(route.segments, segments, source);
        if (params !== undefined) return { spec: route.spec, params };
      }
      return undefined;
    },
  };
}

function matchSegments(
  pattern: readonly Segment[],
  segments: readonly string[],
  source: readonly string[],
): Record<string, string> | undefined {
  const last = pattern[pattern.length - 1];
  if (last?.kind === "rest" ? segments.length < pattern.length : segments.length !== pattern.length) {
    return undefined;
  }
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as Segment;
    if (p.kind === "static" && p.value !== segments[i]) return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as Segment;
    if (p.kind === "param") params[p.name] = source[i] as string;
    else if (p.kind === "rest") params[p.name] = source.slice(i).join("/");
  }
  return params;
}

/**
 * Fills a template with matched parameters, without the leading `/`:
 * `/repos/{owner}/{repo}/pulls/{number}` → `repos/o/r/pulls/12`. A canonical
 * resource whatever the case or escaping of the request's static segments.
 */
export function fillTemplate(path: string, params: Record<string, string>): string {
  let parts = templateCache.get(path);
  if (parts === undefined) {
    parts = path
      .split("/")
      .filter((s) => s !== "")
      .map((s) => {
        if (s === "*") return { param: REST_NAME };
        const m = SEGMENT.exec(s);
        return m === null ? { text: s } : { param: m[1] as string };
      });
    templateCache.set(path, parts);
  }
  let out = "";
  for (const part of parts) {
    const text = "text" in part ? part.text : (params[part.param] ?? "");
    out = out === "" ? text : `${out}/${text}`;
  }
  return out;
}

/** Parsed templates; route tables are fixed, so this stays as small as they are. */
const templateCache = new Map<string, Array<{ text: string } | { param: string }>>();
