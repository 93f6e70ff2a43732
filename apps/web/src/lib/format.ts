import { type Role, roles } from "@tameflare/contracts";

/** True when `role` is at least `minimum` (owner > admin > member > viewer, the API's matrix). */
export function hasRole(role: Role, minimum: Role): boolean {
  return roles.indexOf(role) <= roles.indexOf(minimum);
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 minutes ago", "in 2 hours". */
export function timeAgo(iso: string | null | undefined, nowMs: number = Date.now()): string {
  if (iso === null || iso === undefined) return "never";
  const diff = Date.parse(iso) - nowMs;
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms || unit === "second") return relative.format(Math.round(diff / ms), unit);
  }
  return iso;
}

/** "4:05" or "1:02:03" until `iso`; "expired" once past. */
export function timeLeft(iso: string, nowMs: number = Date.now()): string {
  const ms = Date.parse(iso) - nowMs;
  if (ms <= 0) return "expired";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/**
 * "25 Nov 2025, 14:02:11" in the viewer's time zone. Written out by hand rather than with
 * Intl: the server's and the browser's ICU data format dates differently, and a page rendered
 * on one and hydrated on the other must print the same text.
 */
export function formatDateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return `${two(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()}, ${formatClockOf(d)}`;
}

function formatClockOf(d: Date): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatClock(iso: string): string {
  return formatClockOf(new Date(Date.parse(iso)));
}

const integer = new Intl.NumberFormat("en");

export function formatCount(n: number): string {
  return integer.format(n);
}

/** Words for the decisions an audit event or an approval can carry. */
export const decisionLabels: Record<string, string> = {
  allow: "allowed",
  deny: "denied",
  require_approval: "held for approval",
  bypass: "bypassed",
  error: "error",
};

export const enforcementHelp: Record<string, string> = {
  monitor: "Monitor: never blocks; records what would have happened.",
  soft: "Soft: enforces denies; lets approval-required requests through, flagged for review.",
  full: "Full: enforces everything, holds requests for approval.",
};
