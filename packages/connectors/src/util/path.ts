/**
 * Normalises a raw request path the way an upstream server may see it, so a
 * policy cannot be dodged with `/repos/a/b/../../orgs/x`, `%2e%2e` or `..%2f`.
 *
 * - Stops at `?`; a raw `#` (never sent by a conforming client) makes the path invalid.
 * - Percent-decodes each segment once. A decoded `/` or `\` splits the segment,
 *   and a raw `\` is a separator too: several servers (and WHATWG URL parsing)
 *   treat them so, and reading more separators than the upstream is the safe
 *   mistake, since it can only make a route look different, never hide a `..`.
 * - Resolves `.` and `..` (never above the root) and drops empty segments.
 *
 * Returns `undefined` for malformed escapes or a raw `#`. Pure and total.
 */
export function normalizePathSegments(rawPath: string): string[] | undefined {
  const fast = splitPlainPath(rawPath);
  if (fast !== undefined) return fast;
  const q = rawPath.indexOf("?");
  const path = q === -1 ? rawPath : rawPath.slice(0, q);
  if (path.includes("#")) return undefined;
  const out: string[] = [];
  for (const raw of path.split(/[/\\]/)) {
    if (raw === "") continue;
    let seg = raw;
    if (raw.includes("%")) {
      try {
        seg = decodeURIComponent(raw);
      } catch {
        // Malformed escape: the caller reports a bad request rather than guessing.
        return undefined;
      }
    }
    if (seg.includes("/") || seg.includes("\\")) {
      for (const part of seg.split(/[/\\]/)) pushSegment(out, part);
    } else {
      pushSegment(out, seg);
    }
  }
  return out;
}

/**
 * One pass over a path with nothing to decode or resolve (no `%`, `\\`, `#`,
 * no segment starting with `.`): its non-empty segments, or undefined when the
 * full treatment is needed.
 */
function splitPlainPath(path: string): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  const n = path.length;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 63 /* ? */ : path.charCodeAt(i);
    if (c === 47 /* / */ || c === 63) {
      if (i > start) out.push(path.slice(start, i));
      if (c === 63) return out;
      start = i + 1;
    } else if (
      c === 37 /* % */ ||
      c === 92 /* \\ */ ||
      c === 35 /* # */ ||
      (c === 46 /* . */ && i === start)
    ) {
      return undefined;
    }
  }
  return out;
}

function pushSegment(out: string[], seg: string): void {
  if (seg === "" || seg === ".") return;
  if (seg === "..") {
    out.pop();
    return;
  }
  out.push(seg);
}

/**
 * `normalizePathSegments` joined back with `/`, each segment re-encoded for the
 * characters that would change its meaning (`%`, `?`, `#`). Undefined when the
 * raw path is invalid.
 */
export function normalizePath(rawPath: string): string | undefined {
  const segs = normalizePathSegments(rawPath);
  if (segs === undefined) return undefined;
  return joinSegments(segs);
}

/** Joins decoded segments into a path starting with `/` (`%`, `?`, `#` re-encoded). */
export function joinSegments(segments: readonly string[]): string {
  let out = "";
  for (const s of segments) out += `/${/[%?#]/.test(s) ? s.replace(/[%?#]/g, encodeURIComponent) : s}`;
  return out === "" ? "/" : out;
}

/**
 * Lower-cases a host, drops any `:port` and trailing dots, unwraps `[v6]`, and
 * converts internationalised names to their ASCII (punycode) form, so
 * `ＡＰＩ.GitHub.com.` and `api.github.com` compare equal.
 *
 * Returns `""` for anything that is not a plausible host name or IP literal
 * (`/`, `@`, spaces, empty labels): an empty host matches no connector, which
 * keeps a crafted host such as `x/@api.github.com` from matching a suffix.
 */
export function normalizeHost(host: string): string {
  const cached = hostCache.get(host);
  if (cached !== undefined) return cached;
  const out = normalizeHostUncached(host);
  // A bounded memo (pure: same input, same output) since every request asks.
  if (hostCache.size >= 1024) hostCache.clear();
  hostCache.set(host, out);
  return out;
}

const hostCache = new Map<string, string>();

function normalizeHostUncached(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end <= 1) return "";
    const v6 = h.slice(1, end);
    const rest = h.slice(end + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return "";
    return /^[0-9a-f:.]+$/.test(v6) ? v6 : "";
  }
  const first = h.indexOf(":");
  if (first !== -1) {
    if (first !== h.lastIndexOf(":")) return /^[0-9a-f:.]+$/.test(h) ? h : ""; // bare IPv6
    if (!/^\d{0,5}$/.test(h.slice(first + 1))) return "";
    h = h.slice(0, first);
  }
  while (h.endsWith(".")) h = h.slice(0, -1);
  if (!/^[a-z0-9._-]+$/.test(h)) h = toAsciiHost(h);
  if (h === "" || h.startsWith(".") || h.includes("..")) return "";
  return h;
}

/** IDNA (UTS #46) mapping through the WHATWG URL parser, present in Node and browsers. */
function toAsciiHost(h: string): string {
  // Characters that would make the URL parser read a different authority.
  if (/[\s/\\@?#:[\]<>^|"`{}]/.test(h) || /\p{Cc}/u.test(h)) return "";
  const url = `http://${h}/`;
  if (!URL.canParse(url)) return "";
  let out = new URL(url).hostname;
  while (out.endsWith(".")) out = out.slice(0, -1);
  return /^[a-z0-9._-]+$/.test(out) ? out : "";
}

/** Splits `host:port` / `[v6]:port` into a normalised host and an optional port. */
export function splitHostPort(value: string): { host: string; port: number | undefined } {
  const v = value.trim();
  let portText: string | undefined;
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    const rest = end === -1 ? "" : v.slice(end + 1);
    if (rest.startsWith(":")) portText = rest.slice(1);
  } else {
    const first = v.indexOf(":");
    if (first !== -1 && first === v.lastIndexOf(":")) portText = v.slice(first + 1);
  }
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) ? Number(portText) : undefined;
  return { host: normalizeHost(v), port: port !== undefined && port <= 65535 ? port : undefined };
}
