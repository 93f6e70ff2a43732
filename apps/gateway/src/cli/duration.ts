const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses `--since`: a duration back from now (`90s`, `15m`, `2h`, `1d`, `1h30m`) or an
 * ISO timestamp. Returns the instant as epoch milliseconds, or an error message.
 */
export function parseSince(
  value: string,
  nowMs: number,
): { ok: true; ms: number } | { ok: false; message: string } {
  const trimmed = value.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    return Number.isNaN(ms) ? { ok: false, message: `invalid timestamp \`${value}\`` } : { ok: true, ms };
  }
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
    return {
      ok: false,
      message: `invalid duration \`${value}\`: use e.g. \`30s\`, \`15m\`, \`2h\`, \`1d\` or an iso timestamp`,
    };
  }
  let total = 0;
  for (const part of parts) total += Number(part[1]) * (units[part[2] ?? "ms"] ?? 0);
  return { ok: true, ms: nowMs - total };
}
