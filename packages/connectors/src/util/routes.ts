import type { RouteSpec } from "../types.ts";

type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

interface CompiledRoute {
  spec: RouteSpec;
  segments: Segment[];
  /** Static segments count: more static segments = more specific. */
  specificity: number;
}

export interface RouteMatch {
  spec: RouteSpec;
  params: Record<string, string>;
}

/** A compiled route table: `match(method, segments)` finds the most specific route. */
export interface RouteTable {
  match(method: string, segments: readonly string[]): RouteMatch | undefined;
}

/**
 * Compiles templates like `/repos/{owner}/{repo}/pulls/{number}/merge` (and a
 * trailing `{path*}` capturing the rest) once. Routes are bucketed by method and
 * first segment, and ordered most specific first, so a lookup touches few routes.
 */
export function compileRoutes(routes: readonly RouteSpec[]): RouteTable {
  const buckets = new Map<string, CompiledRoute[]>();
  for (const spec of routes) {
    const segments: Segment[] = spec.path
      .split("/")
      .filter((s) => s !== "")
      .map((s): Segment => {
        const m = /^\{([A-Za-z0-9_]+)(\*)?\}$/.exec(s);
        if (m === null) return { kind: "static", value: s };
        return m[2] ? { kind: "rest", name: m[1] as string } : { kind: "param", name: m[1] as string };
      });
    const compiled: CompiledRoute = {
      spec,
      segments,
      specificity:
        segments.filter((s) => s.kind === "static").length * 2 -
        (segments.some((s) => s.kind === "rest") ? 1 : 0),
    };
    const first = segments[0];
    const key = `${spec.method.toUpperCase()} ${first?.kind === "static" ? first.value : "*"}`;
    const bucket = buckets.get(key) ?? [];
    bucket.push(compiled);
    buckets.set(key, bucket);
  }
  for (const bucket of buckets.values()) bucket.sort((a, b) => b.specificity - a.specificity);

  return {
    match(method, segments) {
      const m = method.toUpperCase();
      const candidates = [
        ...(buckets.get(`${m} ${segments[0] ?? ""}`) ?? []),
        ...(buckets.get(`${m} *`) ?? []),
      ];
      for (const route of candidates) {
        const params = matchSegments(route.segments, segments);
        if (params !== undefined) return { spec: route.spec, params };
      }
      return undefined;
    },
  };
}

function matchSegments(
  pattern: readonly Segment[],
  segments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as Segment;
    if (p.kind === "rest") {
      if (i >= segments.length) return undefined;
      params[p.name] = segments.slice(i).join("/");
      return params;
    }
    const s = segments[i];
    if (s === undefined) return undefined;
    if (p.kind === "static") {
      if (p.value !== s) return undefined;
    } else {
      params[p.name] = s;
    }
  }
  return pattern.length === segments.length ? params : undefined;
}
