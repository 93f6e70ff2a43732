/**
 * Normalises a raw request path the way an upstream server will see it, so a
 * policy cannot be dodged with `/repos/a/b/../../orgs/x` or `%2e%2e`.
 * Percent-decodes each segment (an encoded `/` stays inside its segment),
 * resolves `.` and `..` (never above the root) and collapses repeated slashes.
 * Returns `undefined` for malformed escapes. Pure and total.
 */
export function normalizePathSegments(rawPath: string): string[] | undefined {
  const path = rawPath.split("?")[0] ?? "";
  const out: string[] = [];
  for (const raw of path.split("/")) {
    if (raw === "") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === ".") continue;
    if (seg === "..") {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out;
}

/** `normalizePathSegments` joined back with `/` (segments re-encoded only for `/`). */
export function normalizePath(rawPath: string): string | undefined {
  const segs = normalizePathSegments(rawPath);
  if (segs === undefined) return undefined;
  return `/${segs.map((s) => s.replaceAll("/", "%2F")).join("/")}`;
}

/** Lower-cases a host, drops a trailing dot and any `:port`, and unwraps `[v6]`. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.lastIndexOf(":");
  if (colon !== -1 && h.indexOf(":") === colon) h = h.slice(0, colon);
  while (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}
